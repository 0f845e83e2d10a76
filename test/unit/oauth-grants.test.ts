/**
 * The account service's side of OAuth2: a refresh token is stored encrypted and bound to the token
 * endpoint, the client and the servers that take its tokens; a change of any of them means "Sign in
 * again"; a grant refused by the provider is forgotten; deleting the account deletes it. And the
 * outbox's 'signin' state: a job for an account that must sign in again waits with no attempt used,
 * and is due again once the person has signed in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountInput, IncomingSettings, SmtpSettings } from '../../shared/model';
import type { OAuthSettings } from '../../shared/oauth';
import { appError } from '../../shared/result';
import { createAccountService } from '../../src-main/services/accounts';
import { silentLogger } from '../../src-main/services/logger';
import { createAppKeyCipher, createSecretVault, openSecretFileInFolder } from '../../src-main/services/secrets';
import { openSettingsInFolder } from '../../src-main/services/settings-store';
import { allows, applyOutcome, isDue, recoverJob, resumeAfterSignIn } from '../../src-main/services/outbox/state';
import type { JobRecord } from '../../src-main/services/outbox/types';
import { everyFileUnder } from '../support/files';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-oauth-grants-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const REFRESH = `rt-${Math.random().toString(36).slice(2)}`;
const oauth: OAuthSettings = {
  id: 'microsoft',
  name: 'Microsoft',
  issuer: 'https://login.microsoftonline.com/common/v2.0',
  authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
  tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
  scopes: ['https://outlook.office.com/SMTP.Send', 'offline_access'],
  clientId: 'client-1',
  ownClientId: false,
};
const smtp: SmtpSettings = { host: 'smtp.office365.com', port: 587, security: 'starttls', auth: 'oauth2', username: 'alice@contoso.com' };
const incoming: IncomingSettings = { protocol: 'imap', auth: 'oauth2', host: 'outlook.office365.com', port: 993, security: 'tls', username: 'alice@contoso.com', saveSentCopy: false, leaveOnServerDays: 14 };
const input: AccountInput = { description: 'Work', email: 'alice@contoso.com', displayName: 'Alice', smtp, incoming, signature: '', identities: [], oauth };

function services() {
  const settings = openSettingsInFolder(dir, '0.3.0');
  const vault = createSecretVault(openSecretFileInFolder(dir), createAppKeyCipher(dir));
  const changes: number[] = [];
  return { settings, accounts: createAccountService({ settings, vault, logger: silentLogger, onChange: (l) => changes.push(l.length) }), changes };
}

describe('an OAuth2 grant is bound to its provider, client and servers', () => {
  it('is stored encrypted, never in settings, and given only for the servers it was signed in for', () => {
    const { accounts } = services();
    const saved = accounts.save({ account: input, oauthRefreshToken: REFRESH });
    expect(saved.ok).toBe(true);
    if (!saved.ok) return;
    expect(saved.value.signedIn).toBe(true);
    expect(saved.value.hasPassword).toBe(false);
    const id = saved.value.id;
    expect(accounts.oauthGrant(id)).toEqual({ ok: true, value: { oauth, refreshToken: REFRESH } });
    expect(accounts.oauthGrant(id, { smtp: { ...smtp, host: 'SMTP.office365.com' } }).ok && accounts.oauthGrant(id, { smtp }).ok).toBe(true);
    for (const other of [{ host: 'smtp.evil.example' }, { port: 25 }, { security: 'none' as const }, { username: 'bob@contoso.com' }]) {
      expect(accounts.oauthGrant(id, { smtp: { ...smtp, ...other } })).toEqual({ ok: true, value: undefined });
    }
    expect(accounts.oauthGrant(id, { incoming: { ...incoming, host: 'imap.evil.example' } })).toEqual({ ok: true, value: undefined });
    // No password is ever given for an OAuth2 server.
    expect(accounts.smtpPassword(id)).toEqual({ ok: true, value: undefined });
    expect(accounts.incomingPassword(id)).toEqual({ ok: true, value: undefined });
    expect(everyFileUnder(dir)).not.toContain(REFRESH);
  });

  it('a new account without a sign-in, and a changed server, provider or client, need a new sign-in (SIGN_IN_REQUIRED)', () => {
    const { accounts } = services();
    const none = accounts.save({ account: input });
    expect(none.ok ? 'saved' : none.error.code).toBe('SIGN_IN_REQUIRED');
    const saved = accounts.save({ account: input, oauthRefreshToken: REFRESH });
    if (!saved.ok) throw new Error(saved.error.code);
    const id = saved.value.id;
    // Unchanged: the stored grant is kept.
    expect(accounts.save({ id, account: { ...input, description: 'Renamed' } }).ok).toBe(true);
    for (const changed of [
      { ...input, smtp: { ...smtp, host: 'smtp.evil.example' } },
      { ...input, incoming: { ...incoming, port: 143, security: 'starttls' as const } },
      { ...input, oauth: { ...oauth, tokenEndpoint: 'https://evil.example/token' } },
      { ...input, oauth: { ...oauth, clientId: 'client-2' } },
    ]) {
      const result = accounts.save({ id, account: changed });
      expect(result.ok ? 'saved' : result.error.code).toBe('SIGN_IN_REQUIRED');
    }
    expect(accounts.list()[0]!.signedIn).toBe(true);
  });

  it('a refused grant is forgotten ("Sign in again"); a new sign-in stores one again; deleting the account deletes it', () => {
    const { accounts, changes } = services();
    const saved = accounts.save({ account: input, oauthRefreshToken: REFRESH });
    if (!saved.ok) throw new Error(saved.error.code);
    const id = saved.value.id;
    const before = changes.length;
    accounts.clearOAuthGrant(id);
    expect(changes.length).toBe(before + 1);
    expect(accounts.list()[0]!.signedIn).toBe(false);
    expect(accounts.oauthGrant(id)).toEqual({ ok: true, value: undefined });
    expect(accounts.setOAuthGrant(id, 'rt-new').ok).toBe(true);
    expect(accounts.list()[0]!.signedIn).toBe(true);
    expect(accounts.oauthGrant(id)).toEqual({ ok: true, value: { oauth, refreshToken: 'rt-new' } });
    accounts.delete(id);
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain(`account:${id}:oauth`);
  });

  it('switching the account to passwords removes the grant', () => {
    const { accounts } = services();
    const saved = accounts.save({ account: input, oauthRefreshToken: REFRESH });
    if (!saved.ok) throw new Error(saved.error.code);
    const id = saved.value.id;
    const password = accounts.save({
      id,
      account: { ...input, oauth: null, smtp: { ...smtp, auth: 'password' }, incoming: { ...incoming, auth: 'password' } },
      password: 'pw-1',
      incomingPassword: 'pw-2',
    });
    expect(password.ok).toBe(true);
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain(`account:${id}:oauth`);
  });
});

describe("the outbox's 'signin' state", () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  const job = {
    id: 'j1',
    accountId: 'a1',
    state: 'sending',
    createdAt: new Date(now).toISOString(),
    updatedAt: new Date(now).toISOString(),
    notBefore: new Date(now).toISOString(),
    scheduled: false,
    attempts: 1,
    maxAttempts: 5,
    accepted: [],
    refused: [],
  } as unknown as JobRecord;
  const policy = { baseMs: 1000, maxMs: 60_000, factor: 2, jitter: 0 } as never;

  it('waits with no attempt used, is not due on a timer, can be cancelled but not retried, survives a restart, and is due once resumed', () => {
    const waiting = applyOutcome(job, { kind: 'not-delivered', error: appError('SIGN_IN_REQUIRED'), temporary: false, refused: [], deferred: [] }, now, policy, () => 0);
    expect(waiting.state).toBe('signin');
    expect(waiting.attempts).toBe(1);
    expect(isDue(waiting, now + 365 * 86_400_000)).toBe(false);
    expect(allows('cancel', waiting)).toBe(true);
    expect(allows('retryNow', waiting)).toBe(false);
    expect(recoverJob(waiting, now + 1000)).toEqual(waiting);
    const resumed = resumeAfterSignIn(waiting, now + 5000);
    expect(resumed.state).toBe('queued');
    expect(resumed.attempts).toBe(1);
    expect(resumed.lastError).toBeUndefined();
    expect(isDue(resumed, now + 5000)).toBe(true);
    // Other refusals still fail as before.
    expect(applyOutcome(job, { kind: 'not-delivered', error: appError('AUTH_FAILED'), temporary: false, refused: [], deferred: [] }, now, policy, () => 0).state).toBe('failed');
  });
});

describe('an OAuth2 account keeps its usernames', () => {
  it('the SMTP and incoming usernames are stored (they sign in with the token), unlike an account without authentication', () => {
    const { accounts } = services();
    const saved = accounts.save({ account: input, oauthRefreshToken: REFRESH });
    if (!saved.ok) throw new Error(saved.error.code);
    expect(saved.value.smtp.username).toBe(smtp.username);
    expect(saved.value.incoming?.username).toBe(incoming.username);
  });
});
