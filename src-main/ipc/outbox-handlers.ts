/**
 * The outbox channels: turn a compose draft into a message for the outbox (addresses parsed by the
 * one shared parser, attachment tokens resolved, inline images made into parts), and the job
 * actions. Kept apart from handlers.ts because it is the largest group.
 */
import { parseAddressList } from '../../shared/addresses';
import type { Channel, ParsedRequestOf, ResponseOf } from '../../shared/ipc';
import { ComposeDraftSchema, type OutboxJobView } from '../../shared/outbox';
import { fail, ok, type Result } from '../../shared/result';
import type { AccountService } from '../services/accounts';
import { TooMuchDataError, UploadNotFoundError, type AttachmentRegistry, type DroppedFiles } from '../services/attachments';
import type { DraftStore } from '../services/drafts';
import { extractInlineImages } from '../services/inline-images';
import type { MessageInput, Outbox, OutboxJob } from '../services/outbox';
import { senderOf } from '../services/outbox/message';

type OutboxChannel = Extract<Channel, `outbox:${string}` | `drafts:${string}` | `attachments:${string}`>;
type OutboxHandlers = { [C in OutboxChannel]: (request: ParsedRequestOf<C>) => Promise<Result<ResponseOf<C>>> };

/** What the renderer sees of a job: no envelope, the draft only when it is a valid draft. */
export function jobView(job: OutboxJob): OutboxJobView {
  const { envelope: _envelope, draft, dsn, dsnOffered, deliveryReports, draftDamaged, sizeLimit: _sizeLimit, ...rest } = job;
  const parsed = ComposeDraftSchema.safeParse(draft);
  // A draft that is there but not one the editor can open is as good as damaged: say so.
  const unusable = draftDamaged || (draft !== null && draft !== undefined && !parsed.success);
  return {
    ...rest,
    ...(parsed.success ? { draft: parsed.data } : {}),
    ...(unusable ? { draftDamaged: true } : {}),
    deliveryReports: deliveryReports ?? [],
    dsn: { requested: Boolean(dsn), offered: dsnOffered ?? null },
  };
}

/** A batch's message shows in the list only when it needs the person; otherwise its batch speaks for it. */
const onFirstScreen = (job: OutboxJob) =>
  !job.batchId || job.state === 'failed' || job.state === 'uncertain' || job.state === 'signin' || job.state === 'retrying' || (job.state === 'sent' && job.refused.length > 0);

/** Finished messages shown live at most (newest first); older ones are listed from the history ('outbox:history'). */
const LIVE_FINISHED_LISTED = 100;

/** The list's first screen: every message still to do or needing the person, and the newest finished ones. */
function firstScreen(jobs: OutboxJob[]): OutboxJob[] {
  const shown = jobs.filter(onFirstScreen);
  const finished = shown
    .filter((j) => j.state === 'sent' || j.state === 'cancelled')
    .sort((a, b) => b.updatedAt.localeCompare(a.updatedAt))
    .slice(LIVE_FINISHED_LISTED);
  const older = new Set(finished.map((j) => j.id));
  return older.size ? shown.filter((j) => !older.has(j.id)) : shown;
}

/** A finished message can no longer be edited or undone: its draft stays out of the list (a list of sent mail stays small). */
function listView(job: OutboxJob): OutboxJobView {
  const view = jobView(job);
  if (job.state !== 'sent' && job.state !== 'cancelled') return view;
  const { draft: _draft, ...rest } = view;
  return rest;
}

export function createOutboxHandlers(deps: {
  outbox: Outbox;
  accounts: AccountService;
  attachments: AttachmentRegistry;
  drafts: DraftStore;
  dropped: DroppedFiles;
  pickFiles: () => Promise<string[]>;
  tmpDir: string;
  /** A draft was saved or deleted (in any compose window): a Drafts list shown elsewhere reloads. */
  onDraftsChanged?: () => void;
}): OutboxHandlers {
  const { outbox, accounts, attachments, drafts } = deps;
  const settle = async (result: Promise<Result<OutboxJob>>) => {
    const r = await result;
    return r.ok ? ok(jobView(r.value)) : r;
  };
  return {
    'attachments:pick': async () => ok(await attachments.add(await deps.pickFiles())),
    'attachments:dropBegin': async ({ name, size }) => {
      try {
        return ok({ upload: await deps.dropped.begin(name, size) });
      } catch {
        // Creating the file in the data folder failed (full, read-only).
        return fail('OUTBOX_UNWRITABLE');
      }
    },
    'attachments:dropChunk': async ({ upload, data }) => {
      try {
        return ok({ received: await deps.dropped.chunk(upload, Buffer.from(data, 'base64')) });
      } catch (error) {
        if (error instanceof UploadNotFoundError) return fail('UPLOAD_NOT_FOUND');
        if (error instanceof TooMuchDataError) return fail('ATTACHMENT_TOO_LARGE');
        return fail('OUTBOX_UNWRITABLE');
      }
    },
    'attachments:dropEnd': async ({ upload }) => {
      if (!deps.dropped.has(upload)) return fail('UPLOAD_NOT_FOUND');
      const ref = await deps.dropped.end(upload);
      return ref ? ok(ref) : fail('ATTACHMENT_UNREADABLE');
    },

    'outbox:enqueue': async ({ draft, sendAt, rehearse }) => {
      const account = accounts.get(draft.accountId);
      if (!account) return fail('ACCOUNT_NOT_FOUND');
      const lists = { to: parseAddressList(draft.to), cc: parseAddressList(draft.cc), bcc: parseAddressList(draft.bcc) };
      const fields: Array<{ path: string; problem: string }> = (['to', 'cc', 'bcc'] as const).flatMap((f) =>
        lists[f].invalid.map((p) => ({ path: `draft.${f}`, problem: p.reason })),
      );
      if (!lists.to.addresses.length && !lists.cc.addresses.length && !lists.bcc.addresses.length) fields.push({ path: 'draft.to', problem: 'required' });
      const files = draft.attachments.map((a) => attachments.resolve(a.token));
      files.forEach((f, i) => f || fields.push({ path: `draft.attachments.${i}`, problem: 'not_found' }));
      if (fields.length) return fail('INVALID_REQUEST', { fields });

      const rich = draft.body.mode === 'rich' && draft.body.html.trim() !== '';
      const inline = rich ? await extractInlineImages(draft.body.html, deps.tmpDir, account.email.split('@')[1] ?? '') : null;
      const person = (a: { name: string; address: string }) => (a.name ? { name: a.name, address: a.address } : { address: a.address });
      const from = senderOf(account, draft.identityId);
      if (!from) return fail('INVALID_REQUEST', { fields: [{ path: 'draft.identityId', problem: 'not_found' }] });
      const message: MessageInput = {
        from,
        to: lists.to.addresses.map(person),
        cc: lists.cc.addresses.map(person),
        bcc: lists.bcc.addresses.map(person),
        subject: draft.subject,
        text: draft.body.text,
        ...(inline ? { html: inline.html } : {}),
        ...(draft.inReplyTo ? { inReplyTo: draft.inReplyTo } : {}),
        ...(draft.references?.length ? { references: draft.references } : {}),
        attachments: [
          ...(inline?.attachments ?? []),
          ...files.map((f) => ({ filename: f!.name, path: f!.path })),
        ],
      };
      try {
        return await settle(outbox.enqueue({
            accountId: account.id,
            message,
            draft,
            ...(draft.dsn ? { dsn: draft.dsn } : {}),
            ...(sendAt ? { sendAt: new Date(sendAt) } : {}),
            // Built exactly as for the account; the outbox's resolver hands it to the sandbox.
            ...(rehearse ? { rehearsal: true } : {}),
          }));
      } finally {
        await inline?.cleanup();
      }
    },
    'outbox:list': async () => ok(firstScreen(outbox.list()).map(listView)),
    'outbox:history': async ({ before, limit }) => {
      const page = await outbox.historyPage({ before, limit });
      return ok({
        entries: page.entries.map((e) => ({
          id: e.id,
          accountId: e.accountId,
          state: e.state,
          subject: e.subject,
          to: e.to,
          sizeBytes: e.sizeBytes,
          createdAt: e.createdAt,
          finishedAt: e.finishedAt,
          accepted: e.accepted,
          refused: e.refused,
          ...(e.lastReply !== undefined ? { lastReply: e.lastReply } : {}),
          deliveryReports: e.deliveryReports,
          ...(e.batchId ? { batchId: e.batchId } : {}),
          ...(e.batchRow !== undefined ? { batchRow: e.batchRow } : {}),
          ...(e.rehearsal ? { rehearsal: true } : {}),
        })),
        next: page.next,
      });
    },
    'outbox:undo': ({ id }) => settle(outbox.undo(id)),
    'outbox:cancel': ({ id }) => settle(outbox.cancel(id)),
    'outbox:retry': ({ id }) => settle(outbox.retryNow(id)),
    'outbox:markSent': ({ id }) => settle(outbox.markSent(id)),
    'drafts:save': async ({ id, draft }) => {
      try {
        const saved = await drafts.save(id, draft);
        deps.onDraftsChanged?.();
        return ok(saved);
      } catch {
        return fail('DRAFT_UNWRITABLE');
      }
    },
    'drafts:list': async () => ok(await drafts.list()),
    'drafts:open': async ({ id }) => {
      const found = await drafts.open(id);
      return found ? ok(found) : fail('DRAFT_NOT_FOUND');
    },
    'drafts:delete': async ({ id }) => {
      await drafts.delete(id);
      deps.onDraftsChanged?.();
      return ok({ id });
    },
  };
}
