/** The line shown while the provider's page is open in the browser, with the way out. */
export function SignInWaiting({ onCancel }: { onCancel: () => void }) {
  return (
    <div className="actions actions--start sign-in-waiting">
      <span role="status">Waiting for you to sign in in your browser…</span>
      <button type="button" onClick={onCancel}>
        Cancel sign-in
      </button>
    </div>
  );
}
