/**
 * The copies of a received message's attachments that a forward attaches (`<data>/tmp/forward/<uuid>/`):
 * private to the owner, and removed at the next start unless a saved draft still needs them.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComposeDraft } from '../../shared/outbox';
import type { AccountService } from '../../src-main/services/accounts';
import { createAttachmentRegistry } from '../../src-main/services/attachments';
import { openDraftStore } from '../../src-main/services/drafts';
import { silentLogger } from '../../src-main/services/logger';
import { MailService } from '../../src-main/services/mail';
import { forwardRoot, writeForwardCopies } from '../../src-main/services/mail/attachments-save';
import { parseMessage } from '../../src-main/services/mail/parse';
import type { Outbox } from '../../src-main/services/outbox';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-forward-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const figures = Buffer.from('%PDF-1.4 figures of the quarter\n');
const part = (content: Buffer) => [
  '--b',
  'Content-Type: application/pdf; name="figures.pdf"',
  'Content-Disposition: attachment; filename="figures.pdf"',
  'Content-Transfer-Encoding: base64',
  '',
  content.toString('base64'),
];
const messageWith = (...attachments: Buffer[]) =>
  Buffer.from(
    [
      'From: Bob <bob@example.com>',
      'To: Alice <alice@example.org>',
      'Subject: Figures',
      'Message-ID: <figures@example.com>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Here they are.',
      ...attachments.flatMap(part),
      '--b--',
      '',
    ].join('\r\n'),
  );
const message = messageWith(figures);

const mode = (path: string) => statSync(path).mode & 0o777;

/** The mail service with no accounts: enough to start it, which is when it cleans. */
const startMail = () =>
  MailService.open({
    dataDir: dir,
    accounts: { list: () => [], get: () => undefined } as unknown as AccountService,
    outbox: {} as Outbox,
    attachments: createAttachmentRegistry(),
    extraCertificateAuthorities: [],
    logger: silentLogger,
    onChange: () => undefined,
    onStatus: () => undefined,
    saveFile: async () => null,
  });

const draft = (attachments: ComposeDraft['attachments']): ComposeDraft => ({
  accountId: crypto.randomUUID(),
  identityId: '',
  to: 'Carol <carol@example.net>',
  cc: '',
  bcc: '',
  subject: 'Fwd: Figures',
  body: { mode: 'plain', html: '', text: 'See below.' },
  attachments,
});

describe('forward copies', () => {
  it.skipIf(process.platform === 'win32')('are written in folders only the owner can open, as files only the owner can read', async () => {
    const registry = createAttachmentRegistry();
    const [ref] = await writeForwardCopies({ dataDir: dir, attachments: registry }, message, await parseMessage(message));
    expect(ref).toMatchObject({ name: 'figures.pdf', size: figures.length });
    const file = registry.resolve(ref!.token)!.path;
    expect(readFileSync(file).equals(figures)).toBe(true);
    for (let folder = join(file, '..'); folder !== dir; folder = join(folder, '..')) expect(mode(folder), folder).toBe(0o700);
    expect(mode(file)).toBe(0o600);
  });

  it('keep the attachment\'s own file name, which is the name the forward sends it under', async () => {
    const registry = createAttachmentRegistry();
    // Twice the same name in one message: each copy still has it, in a folder of its own.
    const revised = Buffer.from('%PDF-1.4 revised figures\n');
    const twice = messageWith(figures, revised);
    const refs = await writeForwardCopies({ dataDir: dir, attachments: registry }, twice, await parseMessage(twice));
    // outbox:enqueue attaches each file under the registry's name for it (its file name).
    expect(refs.map((r) => registry.resolve(r.token)!.name)).toEqual(['figures.pdf', 'figures.pdf']);
    expect(refs.map((r) => readFileSync(registry.resolve(r.token)!.path).toString())).toEqual([figures.toString(), revised.toString()]);
  });

  it('are removed at start unless a saved draft (or a damaged one set aside) still names them', async () => {
    const registry = createAttachmentRegistry();
    const parsed = await parseMessage(message);
    const [kept] = await writeForwardCopies({ dataDir: dir, attachments: registry }, message, parsed);
    const [aside] = await writeForwardCopies({ dataDir: dir, attachments: registry }, message, parsed);
    const [unused] = await writeForwardCopies({ dataDir: dir, attachments: registry }, message, parsed);
    /** The forward's own folder: tmp/forward/<uuid>. */
    const folderOf = (token: string) => join(forwardRoot(dir), relative(forwardRoot(dir), registry.resolve(token)!.path).split(sep)[0]!);
    const [keptDir, asideDir, unusedDir] = [kept!, aside!, unused!].map((r) => folderOf(r.token));
    // A draft saved with the forwarded attachment, and a draft file that no longer parses but was kept beside them.
    const drafts = await openDraftStore(join(dir, 'drafts'), registry);
    const saved = await drafts.save(undefined, draft([kept!]));
    writeFileSync(join(dir, 'drafts', 'old.json.damaged'), `{"attachments":[{"path":${JSON.stringify(registry.resolve(aside!.token)!.path)}`);
    // Something that is not a forward folder at all goes too.
    mkdirSync(join(forwardRoot(dir), 'stray'));

    const mail = await startMail();
    await mail.close();

    expect(existsSync(unusedDir!)).toBe(false);
    expect(existsSync(join(forwardRoot(dir), 'stray'))).toBe(false);
    expect(existsSync(asideDir!)).toBe(true);
    expect(readdirSync(forwardRoot(dir)).sort()).toEqual([keptDir, asideDir].map((d) => relative(forwardRoot(dir), d!)).sort());
    // After the restart the draft still opens with its attachment, byte for byte.
    const afterRestart = createAttachmentRegistry();
    const reopened = await (await openDraftStore(join(dir, 'drafts'), afterRestart)).open(saved.id);
    expect(reopened?.draft.attachments.map((a) => a.name)).toEqual(['figures.pdf']);
    expect(readFileSync(afterRestart.resolve(reopened!.draft.attachments[0]!.token)!.path).equals(figures)).toBe(true);
  });

  it('starts cleanly with no forward folder and no drafts folder', async () => {
    const mail = await startMail();
    await mail.close();
    expect(existsSync(forwardRoot(dir))).toBe(false);
  });
});
