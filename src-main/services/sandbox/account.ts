/**
 * The Sandbox account (issue 15): not stored anywhere, made from the running capture server. This
 * wraps the account service so every part of the app that lists or looks up accounts sees it:
 * `list()` ends with it (last, so whatever picks the first account keeps picking a real one; at first
 * start it is the only one) unless the person hid it; `get()` finds it even when hidden (its queued
 * messages still go). It cannot be saved, removed or given sending limits (SANDBOX_ACCOUNT_FIXED).
 *
 * Its password is the run's secret, and like any stored password (accounts.ts) it is given only for
 * the server it belongs to: the capture server's own host and port. It reads no mail (no incoming server).
 */
import { fail, ok } from '../../../shared/result';
import type { Account, SmtpSettings } from '../../../shared/model';
import { SANDBOX_ACCOUNT_ID, SANDBOX_ADDRESS } from '../../../shared/sandbox';
import type { AccountService } from '../accounts';
import type { StoredAccount } from '../settings-store';
import type { SandboxEndpoint } from './service';

export interface SandboxAccountSource {
  endpoint(): SandboxEndpoint | undefined;
  hidden(): boolean;
}

/** A port no one listens on, named while the capture server is not running; nothing is ever sent there (the outbox refuses first). */
const NOT_RUNNING_PORT = 1;

export function isSandboxAccount(id: string): boolean {
  return id === SANDBOX_ACCOUNT_ID;
}

export function withSandboxAccount(accounts: AccountService, sandbox: SandboxAccountSource, started = new Date()): AccountService & { sandboxAccount(): StoredAccount } {
  const stamp = started.toISOString();
  const stored = (): StoredAccount => {
    const endpoint = sandbox.endpoint();
    return {
      id: SANDBOX_ACCOUNT_ID,
      description: 'Sandbox',
      email: SANDBOX_ADDRESS,
      displayName: 'Sandbox',
      smtp: {
        host: '127.0.0.1',
        port: endpoint?.port ?? NOT_RUNNING_PORT,
        // While a TLS fault is in play the account asks for STARTTLS, so the handshake fails as the fault promises.
        security: endpoint?.tlsFault ? 'starttls' : 'none',
        auth: 'password',
        username: endpoint?.credentials.user ?? 'mailwright',
      },
      incoming: null,
      signature: '',
      identities: [],
      oauth: null,
      createdAt: stamp,
      updatedAt: stamp,
      // Nothing leaves this computer: a merge from the Sandbox account is not paced by any provider's limits.
      sendingLimits: { recipientsPerDay: null, messagesPerMinute: null },
    };
  };
  const listed = (): Account => ({ ...stored(), hasPassword: true, hasIncomingPassword: false, signedIn: false, sandbox: true });
  /** The run's secret, only for the capture server itself. */
  const ownServer = (smtp: SmtpSettings | undefined) => {
    const endpoint = sandbox.endpoint();
    if (!endpoint) return undefined;
    const server = smtp ?? stored().smtp;
    const same = server.auth === 'password' && server.host.trim() === endpoint.host && server.port === endpoint.port && server.username === endpoint.credentials.user;
    return same ? endpoint.credentials.pass : undefined;
  };
  const fixed = () => fail('SANDBOX_ACCOUNT_FIXED');

  return {
    sandboxAccount: stored,
    list: () => (sandbox.hidden() ? accounts.list() : [...accounts.list(), listed()]),
    get: (id) => (isSandboxAccount(id) ? stored() : accounts.get(id)),
    save: (request) => (request.id !== undefined && isSandboxAccount(request.id) ? fixed() : accounts.save(request)),
    recordCheck: (id, key, check) => (isSandboxAccount(id) ? undefined : accounts.recordCheck(id, key, check)),
    setSendingLimits: (id, limits) => (isSandboxAccount(id) ? fixed() : accounts.setSendingLimits(id, limits)),
    delete: (id) => (isSandboxAccount(id) ? fixed() : accounts.delete(id)),
    smtpPassword: (id, smtp) => (isSandboxAccount(id) ? ok(ownServer(smtp)) : accounts.smtpPassword(id, smtp)),
    incomingPassword: (id, incoming) => (isSandboxAccount(id) ? ok(undefined) : accounts.incomingPassword(id, incoming)),
    oauthGrant: (id, servers) => (isSandboxAccount(id) ? ok(undefined) : accounts.oauthGrant(id, servers)),
    setOAuthGrant: (id, token) => (isSandboxAccount(id) ? fixed() : accounts.setOAuthGrant(id, token)),
    clearOAuthGrant: (id) => (isSandboxAccount(id) ? undefined : accounts.clearOAuthGrant(id)),
  };
}
