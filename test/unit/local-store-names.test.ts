/**
 * The POP3 store keeps what cannot be fetched again in file names, so its index is a cache: a
 * message's flags and folder in its name (maildir-style marks), a message deleted here for good in
 * deleted/ until the server no longer lists it. Here without a server: messages are added as if
 * downloaded.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { INBOX, LocalStore, messageFileName, TRASH } from '../../src-main/services/mail/local-store';
import { createDataNotices } from '../../src-main/services/data-notices';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-local-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const raw = (subject: string) => Buffer.from(`From: a@example.com\r\nSubject: ${subject}\r\n\r\nbody\r\n`);
const files = () => readdirSync(join(dir, 'messages')).sort();
const state = (store: LocalStore) =>
  ([INBOX, TRASH] as const).flatMap((folder) => store.list(folder, 0, 100).messages.map((m) => `${folder}:${m.subject}:${m.seen ? 'S' : ''}${m.flagged ? 'F' : ''}`)).sort();

async function filled(): Promise<LocalStore> {
  const store = await LocalStore.open(dir);
  for (const [i, s] of ['one', 'two', 'three', 'four'].entries()) await store.add(`uidl-${i}`, raw(s), Date.now());
  await store.flush();
  await store.setFlags(INBOX, [1], { seen: true });
  await store.setFlags(INBOX, [2], { flagged: true });
  await store.move(INBOX, [3, 4], TRASH);
  await store.deleteForGood(TRASH, [4]);
  return store;
}

describe('POP3 store: what survives the index', () => {
  it('flags and folders are in the file names', async () => {
    const store = await filled();
    expect(files()[2]).toBe(messageFileName(3, 'uidl-2', { folder: TRASH }));
    expect(files()).toEqual([`1-${b64('uidl-0')},S.eml`, `2-${b64('uidl-1')},F.eml`, `3-${b64('uidl-2')},T.eml`]);
    expect(readdirSync(join(dir, 'deleted'))).toEqual([b64('uidl-3')]);
    await store.close();
  });

  it('a lost index is rebuilt with flags, Trash, and the UIDLs of everything downloaded (deleted ones too)', async () => {
    const before = state(await filled());
    const notices = createDataNotices({ dataDir: dir });
    writeFileSync(join(dir, 'index.json'), '{"version":2,"uidValidity"');
    const store = await LocalStore.open(dir, { notices });
    expect(state(store)).toEqual(before);
    expect(['uidl-0', 'uidl-1', 'uidl-2', 'uidl-3'].map((u) => store.knows(u))).toEqual([true, true, true, true]);
    // The message deleted here is still owed its DELE on the server.
    expect(store.dueOnServer(['uidl-3', 'uidl-0'], null, Date.now())).toEqual(['uidl-3']);
    expect(notices.list()).toMatchObject([{ kind: 'pop3-index', file: 'index.json', keptAs: expect.stringMatching(/^index\.json\.damaged-/) }]);
    await store.close();
  });

  it('a change whose index write a crash prevented: the file names win', async () => {
    await (await filled()).close();
    copyFileSync(join(dir, 'index.json'), join(dir, 'stale.json'));
    const store = await LocalStore.open(dir);
    await store.setFlags(INBOX, [1], { seen: false, flagged: true });
    await store.move(INBOX, [2], TRASH);
    const after = state(store);
    await store.close();
    copyFileSync(join(dir, 'stale.json'), join(dir, 'index.json'));
    expect(state(await LocalStore.open(dir))).toEqual(after);
  });

  it('the deleted/ mark goes once the server no longer has the message', async () => {
    const store = await filled();
    await store.markGoneFromServer(['uidl-3'], new Set(['uidl-0', 'uidl-1', 'uidl-2']), Date.now());
    expect(readdirSync(join(dir, 'deleted'))).toEqual([]);
    await store.close();
  });

  it('a version 1 store (flags in the index only) is upgraded: the names learn the flags', async () => {
    const store = await filled();
    await store.close();
    // What version 1 left: unmarked names, flags and folders in the index only, no deleted/ marks.
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as { version: number; messages: Array<{ uid: number; uidl: string }> };
    for (const name of files()) {
      const m = /^(\d+)-([^,.]+)/.exec(name)!;
      copyFileSync(join(dir, 'messages', name), join(dir, 'messages', `${m[1]}-${m[2]}.eml`));
      unlinkSync(join(dir, 'messages', name));
    }
    unlinkSync(join(dir, 'deleted', b64('uidl-3')));
    writeFileSync(join(dir, 'index.json'), JSON.stringify({ ...index, version: 1 }));
    const before = state(await LocalStore.open(dir));
    expect(files()).toEqual([`1-${b64('uidl-0')},S.eml`, `2-${b64('uidl-1')},F.eml`, `3-${b64('uidl-2')},T.eml`]);
    expect(readdirSync(join(dir, 'deleted'))).toEqual([b64('uidl-3')]);
    unlinkSync(join(dir, 'index.json'));
    expect(state(await LocalStore.open(dir))).toEqual(before);
  });
});

function b64(s: string): string {
  return Buffer.from(s).toString('base64url');
}
