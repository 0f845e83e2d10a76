import { useState } from 'react';
import type { DiscoveryResult, DiscoverySource } from '../../../shared/discovery';

const SOURCE_TEXT: Record<DiscoverySource, (r: DiscoveryResult) => string> = {
  bundled: (r) => `Mailwright's built-in settings for ${r.providerName ?? 'this provider'}`,
  autoconfig: (r) => `your provider's configuration file (${r.sourceDetail})`,
  'well-known': (r) => `your domain's configuration file (${r.sourceDetail})`,
  ispdb: (r) => `Thunderbird's database of providers (${r.sourceDetail})`,
  srv: (r) => `your domain's DNS service records (${r.sourceDetail})`,
  mx: (r) => `your domain's mail servers, which belong to ${r.providerName ?? r.sourceDetail}`,
  guess: (r) => `trying likely server names (${r.sourceDetail})`,
};

const OUTCOME = { found: 'found', 'not-found': 'nothing there', failed: 'failed', skipped: 'not tried' } as const;

/** Where the settings came from, and what was tried, so the person can judge them. */
export function DiscoveryNotice({ result }: { result: DiscoveryResult }) {
  const [open, setOpen] = useState(false);
  // Without the provider's OAuth2 details (result.oauth) Mailwright cannot sign in through its page.
  const oauthOnly = !result.oauth && result.smtp.length > 0 && result.smtp.every((c) => c.auth === 'oauth2');
  return (
    <div className={result.source ? 'notice notice--success' : 'notice notice--warning'} role="status" aria-label="Settings found">
      {result.source ? (
        <p className="notice__title">Settings found from {SOURCE_TEXT[result.source](result)}.</p>
      ) : (
        <p className="notice__title">No settings were found for this address. The form holds our best guess: check it with your provider.</p>
      )}
      {oauthOnly ? <p>This provider signs in through its web page (OAuth2), but did not say how; use an app password if it offers them.</p> : null}
      <button type="button" className="link" aria-expanded={open} onClick={() => setOpen((v) => !v)}>
        {open ? 'Hide what was tried' : 'Show what was tried'}
      </button>
      {open ? (
        <ul className="attempts">
          {result.attempts.map((a, i) => (
            <li key={i}>
              {a.source}: {OUTCOME[a.outcome]} — {a.detail}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
