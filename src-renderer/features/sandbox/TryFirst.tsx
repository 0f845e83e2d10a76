/**
 * Beside the wizard until the person has an account of their own: the built-in Sandbox account
 * can send at once, and what it sends stays on this computer and shows in the Sandbox view.
 */
import type { ComposeDraft } from '../../../shared/outbox';
import { SANDBOX_ACCOUNT_ID } from '../../../shared/sandbox';

/** A new message from the Sandbox account. */
export function sandboxDraft(): ComposeDraft {
  return { accountId: SANDBOX_ACCOUNT_ID, identityId: '', to: '', cc: '', bcc: '', subject: '', body: { mode: 'rich', html: '', text: '' }, attachments: [] };
}

export function TryFirst(props: { onWrite: () => void; onOpen: () => void }) {
  return (
    <section className="card notice--info try-first" aria-labelledby="try-first-title">
      <h2 id="try-first-title">Try Mailwright first</h2>
      <p>
        The built-in <strong>Sandbox</strong> account works right away: messages sent from it stay on this computer and are shown in the Sandbox, exactly as a
        recipient would get them. Nobody receives them.
      </p>
      <div className="actions actions--start">
        <button type="button" onClick={props.onWrite}>
          Write a test message
        </button>
        <button type="button" onClick={props.onOpen}>
          Open the Sandbox
        </button>
      </div>
    </section>
  );
}
