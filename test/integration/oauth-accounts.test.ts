/**
 * OAuth2 accounts through the whole backend, on real servers: oidc-provider as the authorization
 * server, Postfix submission (SASL through Dovecot) and Dovecot IMAP and POP3 validating tokens by
 * introspection. Signed in through the IPC channels the wizard uses, checked in all stages with the
 * token, saved, a message sent and read back over IMAP and POP3 with tokens; the token expires and
 * is refreshed; the grant is revoked: the message waits ('signin', no attempt used), the account
 * says "Sign in again", and after a new sign-in the message goes out once. Finally every file the
 * app wrote, every log line and every IPC reply is scanned for the tokens it was given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account, AccountInput } from '../../shared/model';
import type { OAuthSignInResult } from '../../shared/oauth';
import type { OutboxJobView } from '../../shared/outbox';
import type { VerifyReport } from '../../shared/verify';
import { createConsoleLogger } from '../../src-main/services/logger';
import { fixedCredential } from '../../src-main/services/credentials';
import { verifyAccount } from '../../src-main/services/verify';
import { startBackend, type StartedBackend } from '../support/backend';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';
import { startOAuthServer, type OAuthServer } from '../support/oauth-server';
import { scanForSecretsReport } from '../support/secret-scan';

const OP_PASSWORD = 'op-password-1';
let op: OAuthServer;
let servers: MailServers;
let alice: MailUser;
let bob: MailUser;
let dataDir: string;
let app: StartedBackend;
const logLines: string[] = [];
const notifications: string[] = [];
/** Every token the token endpoint handed out in this file, caught on the way (global fetch). */
const issued: string[] = [];
const realFetch = globalThis.fetch;
/** What the person's browser does with the next authorization URL. */
let browser: (url: string) => Promise<void> = async () => undefined;

beforeAll(async () => {
  op = await startOAuthServer({ accessTokenTtlSeconds: 4 });
  servers = await startMailServers({ oauth: op.introspection });
  [alice, bob] = servers.users as [MailUser, MailUser];
  for (const user of servers.users) op.addUser(user.address, OP_PASSWORD);
  globalThis.fetch = async (input, init) => {
    const response = await realFetch(input, init);
    if (String(input instanceof Request ? input.url : input) === op.tokenEndpoint) {
      const body = (await response.clone().json().catch(() => ({}))) as Record<string, unknown>;
      for (const key of ['access_token', 'refresh_token']) if (typeof body[key] === 'string') issued.push(body[key]);
    }
    return response;
  };
  dataDir = mkdtempSync(join(tmpdir(), 'mailwright-oauth-accounts-'));
  app = await startBackend(dataDir, {
    ca: servers.ca,
    undoSeconds: 0,
    logger: createConsoleLogger({ log: (l: string) => logLines.push(l), warn: (l: string) => logLines.push(l), error: (l: string) => logLines.push(l) }),
    oauthRegistrations: { forProvider: (id) => (id === op.provider.id ? { clientId: op.clientId } : undefined) },
    openExternal: async (url) => void browser(url).catch(() => undefined),
    outbox: { retry: { baseMs: 500, maxMs: 1000, maxAttempts: 3 } },
    notify: (notice) => void notifications.push(`${notice.title}: ${notice.body}`),
    mail: { pop3PollMs: 60_000 },
  });
}, 120_000);

afterAll(async () => {
  globalThis.fetch = realFetch;
  await app?.close();
  await servers?.stop();
  await op?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const signInAs = (user: MailUser) => async (url: string) => {
  await realFetch(await op.approve(url, user.address, OP_PASSWORD));
};

function input(user: MailUser, protocol: 'imap' | 'pop3' = 'imap'): AccountInput {
  return {
    description: `${user.address} (${protocol})`,
    email: user.address,
    displayName: 'Alice',
    smtp: { host: servers.host, port: servers.submission.starttlsPort, security: 'starttls', auth: 'oauth2', username: user.username },
    incoming: {
      protocol,
      auth: 'oauth2',
      host: servers.host,
      port: protocol === 'imap' ? servers.imap.tlsPort : servers.pop3.tlsPort,
      security: 'tls',
      username: user.username,
      // The Sent copy is filed over IMAP with the token too.
      saveSentCopy: protocol === 'imap',
      leaveOnServerDays: null,
    },
    signature: '',
    identities: [],
    oauth: { ...op.provider, clientId: op.clientId, ownClientId: false },
  };
}

async function send(accountId: string, subject: string): Promise<OutboxJobView> {
  return app.value('outbox:enqueue', {
    draft: { accountId, to: bob.address, cc: '', bcc: '', subject, body: { mode: 'plain', html: '', text: `Body of ${subject}` }, attachments: [] },
  }) as Promise<OutboxJobView>;
}
const job = async (id: string) => ((await app.value('outbox:list', {})) as OutboxJobView[]).find((j) => j.id === id)!;
async function settled(id: string, states: string[], timeoutMs = 20_000): Promise<OutboxJobView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await job(id);
    if (states.includes(current.state)) return current;
    if (Date.now() > deadline) throw new Error(`job ${id} is ${current.state}, not ${states.join('/')}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
const countIn = (source: string[], subject: string) => source.filter((s) => s.includes(`Subject: ${subject}`)).length;

describe('an OAuth2 account on real servers', () => {
  let account: Account;

  it('signs in through the browser, passes every stage of the check with the token, and is saved signed in', async () => {
    browser = signInAs(alice);
    const signedIn = (await app.value('oauth:signIn', { runId: 'wizard-1', provider: op.provider, loginHint: alice.address })) as OAuthSignInResult;
    expect(signedIn).toMatchObject({ clientId: op.clientId, ownClientId: false, stored: false });
    expect(signedIn.session).toBeTruthy();
    const report = (await app.value('accounts:verify', { runId: 'check-1', account: input(alice), oauthSession: signedIn.session })) as VerifyReport;
    expect(report.stages.filter((s) => s.status === 'failed')).toEqual([]);
    expect(report.ok).toBe(true);
    const auth = report.stages.find((s) => s.protocol === 'smtp' && s.name === 'auth');
    expect(auth?.summary).toMatch(/XOAUTH2|OAUTHBEARER/);
    expect(report.transcript.some((l) => /AUTH(ENTICATE)? (XOAUTH2|OAUTHBEARER)/.test(l.text) && l.redacted)).toBe(true);
    account = (await app.value('accounts:save', { account: input(alice), oauthSession: signedIn.session })) as Account;
    expect(account.signedIn).toBe(true);
    // The session is spent: it cannot be saved a second time as another account.
    expect((await app.errorOf('accounts:save', { account: input(alice), oauthSession: signedIn.session })).code).toBe('SIGN_IN_REQUIRED');
  }, 60_000);

  it('sends through Postfix with the token and reads the INBOX over IMAP with it', async () => {
    const queued = await send(account.id, 'OAuth hello 1');
    const done = await settled(queued.id, ['sent', 'failed', 'signin']);
    expect(done.state, JSON.stringify(done.lastError)).toBe('sent');
    await waitForMessage(servers, bob, (s) => s.includes('Subject: OAuth hello 1'), 10_000);
    await expect.poll(() => logLines.some((l) => l.includes('sent copy filed')), { timeout: 10_000 }).toBe(true);
    const folders = (await app.value('mail:folders', { accountId: account.id })) as Array<{ path: string }>;
    expect(folders.map((f) => f.path)).toContain('INBOX');
  }, 60_000);

  it('after the access token expired, the next send refreshes it and goes out', async () => {
    await new Promise((r) => setTimeout(r, 4500));
    const queued = await send(account.id, 'OAuth hello 2');
    expect((await settled(queued.id, ['sent', 'failed', 'signin'])).state).toBe('sent');
    expect(op.tokenRequests.some((r) => r.grantType === 'refresh_token' && r.ok)).toBe(true);
  }, 60_000);

  it('a revoked grant: the message waits (no attempt used), the account says "Sign in again"; after a new sign-in it is delivered once', async () => {
    await op.revokeGrantsOf(alice.address);
    await new Promise((r) => setTimeout(r, 4500)); // the cached access token expires too
    const queued = await send(account.id, 'OAuth after revoke');
    const waiting = await settled(queued.id, ['signin', 'sent', 'failed']);
    expect(waiting.state).toBe('signin');
    expect(waiting.attempts).toBe(0);
    expect(waiting.lastError?.code).toBe('SIGN_IN_REQUIRED');
    // Told once, as a desktop notification, not as a failure.
    expect(notifications.filter((n) => n.includes('OAuth after revoke'))).toEqual([
      `Sign in again to send: “OAuth after revoke” waits until you sign in to ${account.description} again. Click to open it, then choose Sign in again.`,
    ]);
    const accounts = (await app.value('accounts:list', {})) as Account[];
    expect(accounts.find((a) => a.id === account.id)?.signedIn).toBe(false);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await job(queued.id)).state).toBe('signin');

    browser = signInAs(alice);
    const again = (await app.value('oauth:signIn', { runId: 'again-1', provider: op.provider, accountId: account.id })) as OAuthSignInResult;
    expect(again).toMatchObject({ stored: true, session: null });
    expect(((await app.value('accounts:list', {})) as Account[]).find((a) => a.id === account.id)?.signedIn).toBe(true);
    expect((await settled(queued.id, ['sent', 'failed'])).state).toBe('sent');
    await waitForMessage(servers, bob, (s) => s.includes('Subject: OAuth after revoke'), 10_000);
    // Delivered once: bob's INBOX holds exactly one copy.
    const { ImapFlow } = await import('imapflow');
    const client = new ImapFlow({ host: servers.host, port: servers.imap.tlsPort, secure: true, tls: { ca: servers.ca, servername: 'localhost' }, auth: { user: bob.username, pass: bob.password }, logger: false });
    await client.connect();
    const sources: string[] = [];
    const lock = await client.getMailboxLock('INBOX');
    try {
      for await (const m of client.fetch('1:*', { source: true })) sources.push(m.source?.toString() ?? '');
    } finally {
      lock.release();
      await client.logout();
    }
    expect(countIn(sources, 'OAuth after revoke')).toBe(1);
  }, 90_000);

  it('a POP3 account signs in with a token too', async () => {
    browser = signInAs(alice);
    const signedIn = (await app.value('oauth:signIn', { runId: 'wizard-pop', provider: op.provider, loginHint: alice.address })) as OAuthSignInResult;
    const report = (await app.value('accounts:verify', { runId: 'check-pop', account: input(alice, 'pop3'), oauthSession: signedIn.session })) as VerifyReport;
    expect(report.stages.filter((s) => s.status === 'failed')).toEqual([]);
    expect(report.stages.some((s) => s.protocol === 'pop3' && s.name === 'login' && s.status === 'passed')).toBe(true);
    const pop = (await app.value('accounts:save', { account: input(alice, 'pop3'), oauthSession: signedIn.session })) as Account;
    await app.value('mail:list', { accountId: pop.id, folder: 'INBOX', offset: 0, limit: 50 });
    // Dovecot says how the app's POP3 source signed in: with the token, not a password.
    await expect.poll(async () => (await servers.log()).match(new RegExp(`pop3-login: Info: Login: user=<${alice.address}>, method=(XOAUTH2|OAUTHBEARER)`, 'g'))?.length ?? 0, { timeout: 10_000 }).toBeGreaterThan(1);
  }, 60_000);

  it('a token the servers refuse: SMTP, IMAP and POP3 each answer the failure challenge and end in AUTH_FAILED, promptly, with no token in the transcript', async () => {
    const bogus = `bogus-${'x'.repeat(40)}`;
    for (const protocol of ['imap', 'pop3'] as const) {
      const account = input(alice, protocol);
      const started = Date.now();
      const report = await verifyAccount(
        {
          email: account.email,
          smtp: account.smtp,
          smtpCredentials: fixedCredential({ kind: 'oauth2', username: alice.username, accessToken: bogus }),
          incoming: account.incoming,
          incomingCredentials: fixedCredential({ kind: 'oauth2', username: alice.username, accessToken: bogus }),
        },
        { extraCertificateAuthorities: [servers.ca], timeouts: { replyMs: 8000 } },
      );
      expect(Date.now() - started).toBeLessThan(8000);
      const failed = report.stages.filter((st) => st.status === 'failed').map((st) => `${st.protocol}:${st.name}:${st.error?.code}`);
      expect(failed.sort()).toEqual(['smtp:auth:AUTH_FAILED', `${protocol}:login:AUTH_FAILED`].sort());
      expect(JSON.stringify(report)).not.toContain(bogus);
    }
  }, 60_000);

  it('no access or refresh token is in any file the app wrote, any log line or any IPC reply', async () => {
    expect(issued.length).toBeGreaterThan(4);
    const replies = app.pushed.map((p) => JSON.stringify(p.payload));
    const report = await scanForSecretsReport([dataDir], issued, [...logLines, ...replies]);
    expect(report.files.length).toBeGreaterThan(3);
    expect(report.hits).toEqual([]);
  });
});
