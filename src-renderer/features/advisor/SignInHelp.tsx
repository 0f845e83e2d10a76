/**
 * Help right where a sign-in is refused: the sign-in advisor's words (shared/providers-help.ts),
 * with a text the person can copy to their administrator when only an administrator can fix it,
 * and the provider's own app-password help when the refusal means "use an app password".
 */
import { useId, useState } from 'react';
import { adviseSignIn, appPasswordHelp, type AppPasswordHelp, type SignInAdvice } from '../../../shared/providers-help';
import type { AppError } from '../../../shared/result';
import { getApi } from '../../api';
import { copyText } from '../../ui/clipboard';

/** The provider's app-password help, with a button that opens its page in the system browser. */
export function AppPasswordPanel({ help }: { help: AppPasswordHelp }) {
  const [failed, setFailed] = useState(false);
  async function open() {
    const result = await getApi().app.openExternal({ url: help.pageUrl });
    setFailed(!(result.ok && result.value.opened));
  }
  return (
    <section className="notice notice--info" aria-label={`App passwords for ${help.providerName}`}>
      <p className="notice__title">{help.providerName}: sign in with an app password</p>
      <p>{help.whatItIs}</p>
      <p>{help.needsFirst}</p>
      {help.steps.length ? (
        <ol>
          {help.steps.map((step) => (
            <li key={step}>{step}</li>
          ))}
        </ol>
      ) : null}
      <button type="button" onClick={open}>
        Open {help.providerName}'s app password page
      </button>
      {failed ? (
        <p role="alert">
          The page could not be opened. Its address is <span className="notice__reply">{help.pageUrl}</span>
        </p>
      ) : null}
    </section>
  );
}

/** The advisor's explanation; the administrator's text in a read-only box with a Copy button. */
export function AdviceCard({ advice }: { advice: SignInAdvice }) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'no' | null>(null);
  return (
    <section className="notice notice--info advice" aria-label="Sign-in advice">
      <p className="notice__title">{advice.title}</p>
      <p>{advice.explanation}</p>
      <p>
        <strong>What to do:</strong> {advice.whatToDo}
      </p>
      {advice.adminText ? (
        <div className="field">
          <label htmlFor={`${id}-admin`}>Message for your administrator</label>
          <textarea id={`${id}-admin`} className="advice__admin" readOnly rows={5} value={advice.adminText} onFocus={(e) => e.currentTarget.select()} />
          <div className="actions actions--start">
            <button type="button" onClick={async () => setCopied((await copyText(advice.adminText ?? '')) ? 'yes' : 'no')}>
              Copy
            </button>
            <span role="status">{copied === 'yes' ? 'Copied' : copied === 'no' ? 'Could not copy; select the text above instead.' : ''}</span>
          </div>
        </div>
      ) : null}
    </section>
  );
}

/** Everything known to help with this refusal; nothing when the advisor has nothing to add. */
export function SignInHelp(props: { error: AppError; providerId?: string | undefined; email?: string | undefined; host?: string | undefined }) {
  const { error, providerId, email, host } = props;
  const advice = adviseSignIn({
    code: error.code,
    ...(error.detail?.serverReply ? { serverReply: error.detail.serverReply } : {}),
    ...(providerId ? { providerId } : {}),
    ...(email ? { email } : {}),
    ...(host ? { host } : {}),
  });
  const help = appPasswordHelp(providerId);
  return (
    <>
      {advice ? <AdviceCard advice={advice} /> : null}
      {help && help.refusals.includes(error.code) ? <AppPasswordPanel help={help} /> : null}
    </>
  );
}
