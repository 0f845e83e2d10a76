/** The Sent copy: filed once in the IMAP Sent folder after a message is sent, never twice. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { providerFilesOwnCopy } from '../../shared/model';
import { fileSentCopy } from '../../src-main/services/sent-copy';
import type { StoredAccount } from '../../src-main/services/settings-store';
import { withImap } from '../support/clients';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';
import { passwordCredential } from '../../src-main/services/credentials';

let servers: MailServers;
let dir: string;
beforeAll(async () => {
  servers = await startMailServers();
  dir = mkdtempSync(join(tmpdir(), 'mailwright-sent-'));
}, 90_000);
afterAll(async () => {
  await servers?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function countInSent(user: MailUser, messageId: string): Promise<{ mailbox: string; count: number }> {
  return withImap(servers, user, async (client) => {
    const sent = (await client.list()).find((f) => f.specialUse === '\\Sent' || /^sent$/i.test(f.name));
    if (!sent) return { mailbox: '', count: 0 };
    const lock = await client.getMailboxLock(sent.path);
    try {
      const found = await client.search({ header: { 'message-id': messageId } }, { uid: true });
      return { mailbox: sent.path, count: found ? found.length : 0 };
    } finally {
      lock.release();
    }
  });
}

describe('the Sent copy', () => {
  it('is filed once, however often it is asked for', async () => {
    const alice = servers.users[0]!;
    const messageId = `<${crypto.randomUUID()}@mailwright.test>`;
    const eml = join(dir, 'm.eml');
    writeFileSync(eml, `Message-ID: ${messageId}\r\nFrom: alice@mailwright.test\r\nTo: bob@mailwright.test\r\nSubject: copy test\r\n\r\nHello\r\n`);
    const account: StoredAccount = {
      id: 'a',
      description: 'Alice',
      email: alice.address,
      displayName: 'Alice',
      smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: alice.username },
      incoming: { protocol: 'imap', auth: 'password', host: servers.host, port: servers.imap.starttlsPort, security: 'starttls', username: alice.username, saveSentCopy: true, leaveOnServerDays: 14 },
      signature: '',
      identities: [], oauth: null,
      createdAt: '',
      updatedAt: '',
    };
    const first = await fileSentCopy({ account, credentials: passwordCredential(alice.username, alice.password), emlPath: eml, messageId }, { extraCertificateAuthorities: [servers.ca] });
    expect(first).toEqual({ ok: true, value: { mailbox: 'Sent', alreadyThere: false } });
    const second = await fileSentCopy({ account, credentials: passwordCredential(alice.username, alice.password), emlPath: eml, messageId }, { extraCertificateAuthorities: [servers.ca] });
    expect(second).toEqual({ ok: true, value: { mailbox: 'Sent', alreadyThere: true } });
    expect(await countInSent(alice, messageId)).toEqual({ mailbox: 'Sent', count: 1 });
  });

  it('reports a wrong password without throwing', async () => {
    const alice = servers.users[0]!;
    const account = {
      id: 'a', description: 'A', email: alice.address, displayName: '', createdAt: '', updatedAt: '', signature: '', identities: [], oauth: null,
      smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: alice.username },
      incoming: { protocol: 'imap', auth: 'password', host: servers.host, port: servers.imap.tlsPort, security: 'tls', username: alice.username, saveSentCopy: true, leaveOnServerDays: 14 },
    } satisfies StoredAccount;
    const result = await fileSentCopy({ account, credentials: passwordCredential(alice.username, 'wrong'), emlPath: join(dir, 'none.eml'), messageId: '<x@y>' }, { extraCertificateAuthorities: [servers.ca] });
    expect(result.ok).toBe(false);
  });

  it('is off by default for providers that file their own copy', () => {
    expect(providerFilesOwnCopy('smtp.gmail.com')).toBe(true);
    expect(providerFilesOwnCopy('smtp.office365.com')).toBe(true);
    expect(providerFilesOwnCopy('smtp.fastmail.com')).toBe(false);
    expect(providerFilesOwnCopy('notgmail.com.evil.example')).toBe(false);
  });
});
