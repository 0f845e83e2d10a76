import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ComposeDraft } from '../../shared/outbox';
import { createAttachmentRegistry } from '../../src-main/services/attachments';
import { openDraftStore } from '../../src-main/services/drafts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-drafts-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const draft = (over: Partial<ComposeDraft> = {}): ComposeDraft => ({
  accountId: crypto.randomUUID(),
  identityId: '',
  to: 'Bob <bob@example.com>',
  cc: '',
  bcc: '',
  subject: 'Plans ✓',
  body: { mode: 'rich', html: '<p>Hello <strong>Bob</strong></p>', text: 'Hello Bob' },
  attachments: [],
  ...over,
});

describe('drafts', () => {
  it('saves, lists newest first, opens, replaces in place and deletes', async () => {
    let clock = Date.parse('2026-11-22T10:00:00Z');
    const store = await openDraftStore(join(dir, 'drafts'), createAttachmentRegistry(), { now: () => new Date((clock += 1000)) });
    const a = await store.save(undefined, draft({ subject: 'first' }));
    const b = await store.save(undefined, draft({ subject: 'second' }));
    expect((await store.list()).map((d) => d.subject)).toEqual(['second', 'first']);
    const again = await store.save(a.id, draft({ subject: 'first, edited' }));
    expect(again.id).toBe(a.id);
    expect((await store.list()).map((d) => d.subject)).toEqual(['first, edited', 'second']);
    expect((await store.open(a.id))?.draft.subject).toBe('first, edited');
    await store.delete(b.id);
    expect((await store.list()).map((d) => d.id)).toEqual([a.id]);
    expect(await store.open('../../etc/passwd')).toBeUndefined();
  });

  it('keeps attachments across a restart by path and gives them new tokens', async () => {
    const file = join(dir, 'report.pdf');
    writeFileSync(file, 'x'.repeat(1234));
    const registry = createAttachmentRegistry();
    const store = await openDraftStore(join(dir, 'drafts'), registry);
    const [ref] = await registry.add([file]);
    const saved = await store.save(undefined, draft({ attachments: [ref!] }));

    // A new run: new registry, old tokens unknown.
    const registry2 = createAttachmentRegistry();
    const store2 = await openDraftStore(join(dir, 'drafts'), registry2);
    const opened = await store2.open(saved.id);
    const [reopened] = opened!.draft.attachments;
    expect(reopened).toMatchObject({ name: 'report.pdf', size: 1234 });
    expect(reopened!.token).not.toBe(ref!.token);
    expect(registry2.resolve(reopened!.token)?.path).toBe(file);
    // Saving again with a stale token keeps the file it had.
    await store2.save(saved.id, draft({ attachments: [ref!] }));
    expect((await store2.open(saved.id))!.draft.attachments).toHaveLength(1);
  });

  it('leaves no half-written draft behind: interrupted writes are cleaned up at start', async () => {
    const drafts = join(dir, 'drafts');
    const store = await openDraftStore(drafts, createAttachmentRegistry());
    const saved = await store.save(undefined, draft());
    writeFileSync(join(drafts, `${saved.id}.json.tmp-abc123`), '{"format":1,"id":');
    const reopened = await openDraftStore(drafts, createAttachmentRegistry());
    expect(readdirSync(drafts)).toEqual([`${saved.id}.json`]);
    expect((await reopened.list()).map((d) => d.id)).toEqual([saved.id]);
  });
});
