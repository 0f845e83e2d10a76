import { useEffect, useRef } from 'react';
import type { Account } from '../../../shared/model';

/**
 * Shown once a new account is saved: it is ready, and the next step is one click away. Signature
 * and other From addresses are set on the account's page, not in the wizard.
 */
export function AccountReady(props: { account: Account; onWriteMessage: () => void; onOpenMailbox: () => void; onOpenAccount: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  // The wizard that had focus is gone: the news is where focus goes, so a screen reader says it.
  useEffect(() => heading.current?.focus(), []);
  const { account } = props;
  return (
    <section className="card notice--success account-ready" aria-labelledby="account-ready-title">
      <h1 id="account-ready-title" ref={heading} tabIndex={-1}>
        {account.email} is ready
      </h1>
      <p>
        Its servers answered and the account is saved{account.incoming ? '; Mailwright now watches its inbox for replies and bounces' : ''}. A signature and other From
        addresses can be added on the account’s page.
      </p>
      <div className="actions actions--start">
        <button type="button" className="primary" onClick={props.onWriteMessage}>
          Write a message
        </button>
        {account.incoming ? (
          <button type="button" onClick={props.onOpenMailbox}>
            Go to the mailbox
          </button>
        ) : null}
        <button type="button" onClick={props.onOpenAccount}>
          Signature and other addresses
        </button>
      </div>
    </section>
  );
}
