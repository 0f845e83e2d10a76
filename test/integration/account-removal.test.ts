/**
 * Removing an account through the whole backend: its waiting message is cancelled and kept as a
 * draft, its settings and saved passwords go, and the mail downloaded for it is deleted; nothing of
 * it stays behind and nothing the person wrote is lost.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../shared/model';
import type { OutboxJobView } from '../../shared/outbox';
import { silentLogger } from '../../src-main/services/logger';
import { startBackend, type StartedBackend } from '../support/backend';
import { storedJob } from '../support/outbox-fixtures';

const dirs: string[] = [];
const backends: StartedBackend[] = [];
afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('removing an account', () => {
  it('keeps its waiting message as a draft, and deletes its settings, passwords and downloaded mail', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwright-remove-'));
    dirs.push(dir);
    // A long undo window: the message is still waiting when the account goes.
    const b = await startBackend(dir, { undoSeconds: 60, logger: silentLogger });
    backends.push(b);
    const saved = await b.value<Account>('accounts:save', {
      account: {
        description: 'Work',
        email: 'alice@mailwright.test',
        displayName: 'Alice',
        // Port 9 on 127.0.0.1: nothing answers, nothing is sent anywhere.
        smtp: { host: '127.0.0.1', port: 9, security: 'tls', auth: 'password', username: 'alice' },
        incoming: { protocol: 'imap', host: '127.0.0.1', port: 9, security: 'tls', auth: 'password', username: 'alice' },
      },
      password: 'a long passphrase',
      incomingPassword: 'another passphrase',
    });
    const job = await b.value<OutboxJobView>('outbox:enqueue', {
      draft: { accountId: saved.id, identityId: '', to: 'bob@mailwright.test', cc: '', bcc: '', subject: 'Figures for Monday', body: { mode: 'plain', html: '', text: 'The figures.\n' }, attachments: [] },
    });
    expect(job.state).toBe('queued');
    const mailDir = join(dir, 'mail', saved.id);
    mkdirSync(join(mailDir, 'messages'), { recursive: true });
    writeFileSync(join(mailDir, 'messages', '1.eml'), 'Subject: downloaded\r\n\r\nhi\r\n');
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).toContain(saved.id);

    expect(await b.value('accounts:delete', { id: saved.id })).toEqual({ id: saved.id });

    // Only the built-in Sandbox account is left (it is never stored, never removed).
    expect((await b.value<Account[]>('accounts:list', {})).filter((a) => !a.sandbox)).toEqual([]);
    const jobs = await b.value<OutboxJobView[]>('outbox:list', {});
    expect(jobs.find((j) => j.id === job.id)?.state).toBe('cancelled');
    // Its job is cancelled on disk too (the journal's last record of it), which holds no password.
    expect(storedJob(join(dir, 'outbox'), job.id).state).toBe('cancelled');
    const journal = readFileSync(join(dir, 'outbox', 'jobs.journal'), 'utf8');
    for (const secret of ['a long passphrase', 'another passphrase']) expect(journal).not.toContain(secret);
    const drafts = await b.value<Array<{ subject: string }>>('drafts:list', {});
    expect(drafts.map((d) => d.subject)).toEqual(['Figures for Monday']);
    expect(existsSync(mailDir)).toBe(false);
    expect(readFileSync(join(dir, 'secrets.json'), 'utf8')).not.toContain(saved.id);
    expect(readFileSync(join(dir, 'settings.json'), 'utf8')).not.toContain(saved.id);
  });

  it('an account that is not there is ACCOUNT_NOT_FOUND', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'mailwright-remove-'));
    dirs.push(dir);
    const b = await startBackend(dir, { logger: silentLogger });
    backends.push(b);
    expect((await b.errorOf('accounts:delete', { id: '3f0c2a9e-5d1b-4c7a-9e8f-0a1b2c3d4e5f' })).code).toBe('ACCOUNT_NOT_FOUND');
  });
});
