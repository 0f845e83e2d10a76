/**
 * The hand-off from `mailwright send` to the running app (src-main/services/cli-spool.ts), on a
 * real outbox in a temporary folder (its undo window long, so nothing is delivered): each request is
 * queued once, even when the app stopped between queueing it and answering; a request nobody takes
 * is withdrawn; a damaged one is answered, not left behind.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { fail, ok } from '../../shared/result';
import { enqueueCliSend, handToApp, spoolDir, startCliHandOff, type CliSend, type SpoolRequest } from '../../src-main/services/cli-spool';
import { passwordCredential } from '../../src-main/services/credentials';
import { silentLogger } from '../../src-main/services/logger';
import { Outbox } from '../../src-main/services/outbox';
import { testAccount } from '../support/outbox-fixtures';

const dirs: string[] = [];
const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const o of opened.splice(0).reverse()) await o.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const account = { ...testAccount(25, 'tls', 'password', 'alice'), description: 'Alice work' };

async function app(): Promise<{ dataDir: string; outbox: Outbox }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'mailwright-spool-'));
  dirs.push(dataDir);
  const outbox = await Outbox.open({
    dir: join(dataDir, 'outbox'),
    undoSeconds: 3600,
    account: (id) => (id === account.id ? ok({ account, credentials: passwordCredential('alice', 'x') }) : fail('ACCOUNT_NOT_FOUND')),
  });
  opened.push(outbox);
  return { dataDir, outbox };
}

const send: CliSend = { account: 'alice work', to: ['bob@example.org'], cc: [], bcc: [], subject: 'From the terminal', text: 'Hello\n', attachments: [] };

describe('hand-off to the running app', () => {
  it('queues the request in the app’s outbox, answers with its job, and leaves the spool empty', async () => {
    const { dataDir, outbox } = await app();
    opened.push(await startCliHandOff({ dataDir, outbox, accounts: () => [account], logger: silentLogger }));
    const handed = await handToApp(dataDir, send, { timeoutMs: 10_000 });
    expect(handed.kind).toBe('answered');
    if (handed.kind !== 'answered' || !handed.answer.ok) throw new Error(JSON.stringify(handed));
    const jobs = outbox.list();
    expect(jobs.map((j) => j.id)).toEqual([handed.answer.jobId]);
    expect(jobs[0]).toMatchObject({ accountId: account.id, summary: { subject: 'From the terminal', to: ['bob@example.org'] }, envelope: { to: ['bob@example.org'] } });
    // The app removes its claim right after writing the answer the command has already read.
    for (let i = 0; i < 100 && readdirSync(spoolDir(dataDir)).length; i++) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(spoolDir(dataDir))).toEqual([]);
    if (process.platform !== 'win32') expect(statSync(spoolDir(dataDir)).mode & 0o777).toBe(0o700);
  });

  it('answers an unknown account with ACCOUNT_NOT_FOUND and queues nothing', async () => {
    const { dataDir, outbox } = await app();
    opened.push(await startCliHandOff({ dataDir, outbox, accounts: () => [account], logger: silentLogger }));
    const handed = await handToApp(dataDir, { ...send, account: 'nobody' }, { timeoutMs: 10_000 });
    expect(handed).toMatchObject({ kind: 'answered', answer: { ok: false, error: { code: 'ACCOUNT_NOT_FOUND' } } });
    expect(outbox.list()).toEqual([]);
  });

  it('a request taken and queued before the app stopped is answered with that job at the next start, not queued again', async () => {
    const { dataDir, outbox } = await app();
    const id = randomUUID();
    const first = await enqueueCliSend(outbox, account, send, id);
    expect(first.ok).toBe(true);
    // The app stopped after queueing, before answering: the claimed request is still there.
    const request: SpoolRequest = { format: 1, id, kind: 'send', send };
    const dir = spoolDir(dataDir);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { mode: 0o700 });
    writeFileSync(join(dir, `${id}.taken.json`), JSON.stringify(request));
    opened.push(await startCliHandOff({ dataDir, outbox, accounts: () => [account], logger: silentLogger }));
    const answer = join(dir, `${id}.answer.json`);
    for (let i = 0; i < 100 && !readdirSync(dir).includes(`${id}.answer.json`); i++) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(answer, 'utf8'))).toEqual({ id, ok: true, jobId: first.ok ? first.value.id : '' });
    expect(outbox.list()).toHaveLength(1);
    for (let i = 0; i < 100 && readdirSync(dir).length > 1; i++) await new Promise((r) => setTimeout(r, 20));
    expect(readdirSync(dir)).toEqual([`${id}.answer.json`]);
  });

  it('a request nobody takes is withdrawn when the command stops waiting', async () => {
    const { dataDir, outbox } = await app();
    const handed = await handToApp(dataDir, send, { timeoutMs: 300 });
    expect(handed).toEqual({ kind: 'not-taken' });
    expect(readdirSync(spoolDir(dataDir))).toEqual([]);
    // The app starting later finds nothing to send.
    opened.push(await startCliHandOff({ dataDir, outbox, accounts: () => [account], logger: silentLogger }));
    await new Promise((r) => setTimeout(r, 200));
    expect(outbox.list()).toEqual([]);
  });

  it('a damaged request is answered INVALID_REQUEST rather than left behind', async () => {
    const { dataDir, outbox } = await app();
    opened.push(await startCliHandOff({ dataDir, outbox, accounts: () => [account], logger: silentLogger }));
    const id = randomUUID();
    writeFileSync(join(spoolDir(dataDir), `${id}.request.json`), '{"format":1,');
    for (let i = 0; i < 100 && !readdirSync(spoolDir(dataDir)).includes(`${id}.answer.json`); i++) await new Promise((r) => setTimeout(r, 50));
    expect(JSON.parse(readFileSync(join(spoolDir(dataDir), `${id}.answer.json`), 'utf8'))).toMatchObject({ id, ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(outbox.list()).toEqual([]);
  });
});
