import { randomUUID } from 'node:crypto';
/**
 * The outbox's files through the whole backend, as the app wires it: the app's logger hears the
 * outbox, a damaged job reaches the renderer's list as a job to check, the words for an unknown
 * upload and an unwritable data folder, and the dropped-file housekeeping (at start, after a send).
 * A real SMTP server in process (smtp-server) on 127.0.0.1 takes the message.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Account } from '../../shared/model';
import { OutboxJobSchema, type OutboxJobView } from '../../shared/outbox';
import type { Logger } from '../../src-main/services/logger';
import { startBackend, type StartedBackend } from '../support/backend';
import { jobRecord, until } from '../support/outbox-fixtures';
import { encodeRecord, JOURNAL_FILE } from '../../src-main/services/outbox/journal';

const dirs: string[] = [];
const backends: StartedBackend[] = [];
const servers: SMTPServer[] = [];
afterEach(async () => {
  for (const b of backends.splice(0)) await b.close();
});
afterAll(async () => {
  for (const s of servers) await new Promise<void>((r) => s.close(() => r()));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function memoryLogger() {
  const lines: string[] = [];
  const logger: Logger = { info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
  return { logger, lines };
}

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-outbox-files-'));
  dirs.push(dir);
  return dir;
}

async function backend(dir: string, logger: Logger, events: OutboxJobView[] = [], picked: string[] = []): Promise<StartedBackend> {
  const b = await startBackend(dir, {
    undoSeconds: 0,
    logger,
    pickFiles: async () => picked,
    emit: (event, payload) => {
      if (event === 'outbox:changed') events.push(payload as OutboxJobView);
    },
  });
  backends.push(b);
  return b;
}

async function smtpServer(): Promise<number> {
  const server = new SMTPServer({ logger: false, disableReverseLookup: true, authOptional: true, secure: false, disabledCommands: ['STARTTLS'], onData: (s, _session, cb) => (s.resume(), s.on('end', () => cb())) });
  servers.push(server);
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.server.address() as AddressInfo).port;
}

async function addAccount(b: StartedBackend, port: number): Promise<Account> {
  const r = await b.call<Account>('accounts:save', {
    account: { description: 'Alice', email: 'alice@mailwright.test', displayName: 'Alice', smtp: { host: '127.0.0.1', port, security: 'none', auth: 'none', username: '' } },
  });
  if (!r.ok) throw new Error(`account not saved: ${JSON.stringify(r.error)}`);
  return r.value;
}

const draftFor = (accountId: string, attachments: unknown[] = []) => ({
  accountId,
  identityId: '',
  to: 'bob@mailwright.test',
  cc: '',
  bcc: '',
  subject: 'Figures',
  body: { mode: 'plain', html: '', text: 'Hello\n' },
  attachments,
});

describe('the outbox in the backend', () => {
  it('logs through the app logger, and a damaged job reaches the list as a job to check', async () => {
    const dir = dataDir();
    const outbox = join(dir, 'outbox');
    mkdirSync(outbox, { recursive: true });
    const job = jobRecord();
    writeFileSync(join(outbox, `${job.id}.eml`), 'From: alice@mailwright.test\r\nTo: bob@mailwright.test\r\nSubject: Kept\r\nMessage-ID: <kept@mailwright.test>\r\n\r\nHi\r\n');
    // Its record in the journal damaged (a good record of something else after it: not a torn append).
    writeFileSync(join(outbox, JOURNAL_FILE), `${encodeRecord({ t: 'add', job, draft: null }).slice(0, 60)}\n${encodeRecord({ t: 'rm', ids: ['another-job'] })}`);
    const { logger, lines } = memoryLogger();
    const b = await backend(dir, logger);
    expect(lines.some((l) => l.startsWith('error outbox: damaged job record'))).toBe(true);
    const list = await b.call<OutboxJobView[]>('outbox:list', {});
    expect(list.ok).toBe(true);
    if (!list.ok) return;
    expect(list.value).toHaveLength(1);
    expect(OutboxJobSchema.parse(list.value[0])).toMatchObject({
      id: job.id,
      state: 'uncertain',
      damaged: 'record',
      messageId: '<kept@mailwright.test>',
      summary: { subject: 'Kept', to: ['bob@mailwright.test'] },
      lastError: { code: 'OUTBOX_RECORD_DAMAGED' },
    });
    // What the renderer gets has no checksum or envelope in it.
    expect(JSON.stringify(list.value)).not.toMatch(/emlSha256|envelope/);
  });

  it('an unknown upload id is UPLOAD_NOT_FOUND, not "too large"', async () => {
    const b = await backend(dataDir(), memoryLogger().logger);
    const unknown = '3f0c2a9e-5d1b-4c7a-9e8f-0a1b2c3d4e5f';
    const chunk = await b.call('attachments:dropChunk', { upload: unknown, data: Buffer.from('x').toString('base64') });
    expect(chunk.ok ? null : chunk.error.code).toBe('UPLOAD_NOT_FOUND');
    const end = await b.call('attachments:dropEnd', { upload: unknown });
    expect(end.ok ? null : end.error.code).toBe('UPLOAD_NOT_FOUND');
  });

  it('an outbox folder that cannot be written answers OUTBOX_UNWRITABLE, not "an attached file could not be read"', async () => {
    const dir = dataDir();
    const b = await backend(dir, memoryLogger().logger);
    const account = await addAccount(b, await smtpServer());
    // The folder gone under the running app: nothing can be written in it (as on a read-only or full disk).
    rmSync(join(dir, 'outbox'), { recursive: true, force: true });
    const r = await b.call('outbox:enqueue', { draft: draftFor(account.id) });
    expect(r.ok ? null : r.error.code).toBe('OUTBOX_UNWRITABLE');
  });
});

describe('dropped files', () => {
  it('at start: removed unless a saved draft still names them', async () => {
    const dir = dataDir();
    const dropped = join(dir, 'tmp', 'dropped');
    const orphan = 'aaaaaaaa-0000-4000-8000-000000000001';
    const inDraft = 'aaaaaaaa-0000-4000-8000-000000000002';
    for (const u of [orphan, inDraft]) {
      mkdirSync(join(dropped, u), { recursive: true });
      writeFileSync(join(dropped, u, 'photo.jpg'), 'jpeg');
    }
    mkdirSync(join(dir, 'drafts'), { recursive: true });
    writeFileSync(
      join(dir, 'drafts', 'bbbbbbbb-0000-4000-8000-000000000001.json'),
      JSON.stringify({ format: 1, attachments: [{ path: join(dropped, inDraft, 'photo.jpg'), name: 'photo.jpg', size: 4 }] }),
    );
    const { logger, lines } = memoryLogger();
    await backend(dir, logger);
    expect(readdirSync(dropped)).toEqual([inDraft]);
    expect(lines).toContain('info dropped files from an earlier run removed');
  });

  it('after the message that carried it is sent', async () => {
    const dir = dataDir();
    const events: OutboxJobView[] = [];
    const b = await backend(dir, memoryLogger().logger, events);
    const account = await addAccount(b, await smtpServer());
    const content = Buffer.from('dropped file content');
    const begun = await b.call<{ upload: string }>('attachments:dropBegin', { name: 'notes.txt', size: content.length });
    if (!begun.ok) throw new Error(begun.error.code);
    await b.call('attachments:dropChunk', { upload: begun.value.upload, data: content.toString('base64') });
    const ref = await b.call<{ token: string; name: string; size: number }>('attachments:dropEnd', { upload: begun.value.upload });
    if (!ref.ok) throw new Error(ref.error.code);
    const folder = join(dir, 'tmp', 'dropped', begun.value.upload);
    expect(existsSync(folder)).toBe(true);
    const queued = await b.call<OutboxJobView>('outbox:enqueue', { draft: draftFor(account.id, [ref.value]) });
    if (!queued.ok) throw new Error(JSON.stringify(queued.error));
    // Still there while the message can be undone.
    expect(existsSync(folder)).toBe(true);
    await until(() => events.some((e) => e.id === queued.value.id && e.state === 'sent'), 10_000, 'the message to be sent');
    await until(() => !existsSync(folder), 5000, 'the dropped file to be removed');
  });

  it("a forward's copies too, once the forward is sent; a saved draft keeps its own", async () => {
    const dir = dataDir();
    const events: OutboxJobView[] = [];
    // Two forwards' copies, as the mail service writes them (<data>/tmp/forward/<uuid>/<index>/<name>).
    const sent = join(dir, 'tmp', 'forward', randomUUID());
    const drafted = join(dir, 'tmp', 'forward', randomUUID());
    const b = await backend(dir, memoryLogger().logger, events, [join(sent, '0', 'figures.pdf'), join(drafted, '0', 'figures.pdf')]);
    // Made after start, as a forward in this run makes them (the start removes those no draft names).
    for (const folder of [sent, drafted]) {
      mkdirSync(join(folder, '0'), { recursive: true });
      writeFileSync(join(folder, '0', 'figures.pdf'), 'pdf');
    }
    const account = await addAccount(b, await smtpServer());
    const refs = await b.call<Array<{ token: string; name: string; size: number }>>('attachments:pick', {});
    if (!refs.ok) throw new Error(refs.error.code);
    const [forwarded, inDraft] = refs.value;
    const saved = await b.call('drafts:save', { draft: draftFor(account.id, [inDraft!]) });
    if (!saved.ok) throw new Error(saved.error.code);
    const queued = await b.call<OutboxJobView>('outbox:enqueue', { draft: draftFor(account.id, [forwarded!, inDraft!]) });
    if (!queued.ok) throw new Error(JSON.stringify(queued.error));
    await until(() => events.some((e) => e.id === queued.value.id && e.state === 'sent'), 10_000, 'the message to be sent');
    await until(() => !existsSync(sent), 5000, "the forward's copies to be removed");
    expect(existsSync(join(drafted, '0', 'figures.pdf'))).toBe(true);
  });
});
