/**
 * A banner while the sandbox plays faults, so nobody forgets them: in the Sandbox view and the
 * Outbox. Small and eager (the Outbox must not load the Sandbox view's code for it).
 */
import { useEffect, useState } from 'react';
import type { Faults, SandboxStatus } from '../../../shared/sandbox';
import { getApi } from '../../api';
import { faultText } from './fault-text';

export function FaultsBanner(props: { faults: Faults; where?: 'sandbox' | 'outbox' }) {
  const { rules } = props.faults;
  if (!rules.length) return null;
  return (
    <div className="notice notice--warning banner sandbox__faults-banner" role="note" aria-label="Sandbox faults in play">
      <p className="notice__title">
        {rules.length === 1 ? 'A fault is' : `${rules.length} faults are`} in play: the sandbox answers like a server gone wrong
        {props.where === 'outbox' ? ', so messages sent to it may fail or wait here' : ''}.
      </p>
      <ul>
        {rules.map((rule, i) => (
          <li key={i}>{faultText(rule)}</li>
        ))}
      </ul>
      {props.where === 'outbox' ? <p>Stop them in the Sandbox view (Faults).</p> : null}
    </div>
  );
}

/** The sandbox's status, kept current by sandbox:changed; null until known or when it cannot be asked. */
export function useSandboxStatus(): SandboxStatus | null {
  const [status, setStatus] = useState<SandboxStatus | null>(null);
  useEffect(() => {
    const api = getApi();
    void api.sandbox.status({}).then((r) => r.ok && setStatus(r.value));
    return api.events.sandboxChanged(setStatus);
  }, []);
  return status;
}
