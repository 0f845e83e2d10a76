/**
 * Opening a message: its raw bytes come from the account's source and are parsed here, so the
 * renderer gets data, never a protocol. The view says whether remote content is allowed and, for a
 * delivery report, what it reports and which sent message it is about.
 */
import type { MessageRef, MessageView } from '../../../shared/mail';
import { fail, ok, type Result } from '../../../shared/result';
import { parseDeliveryReport } from '../bounces';
import type { Logger } from '../logger';
import type { Outbox } from '../outbox';
import { linkToSent } from './bounce-scan';
import { parseMessage, type ParsedMessage } from './parse';
import type { RemoteContentPolicy } from './remote-content';
import type { MailSource } from './types';

export interface LoadedMessage {
  source: MailSource;
  raw: Buffer;
  parsed: ParsedMessage;
}

export interface MessageViewDeps {
  sourceFor: (accountId: string) => Result<MailSource>;
  remote: RemoteContentPolicy;
  outbox: Outbox;
  logger: Logger;
}

export async function loadMessage(deps: Pick<MessageViewDeps, 'sourceFor' | 'logger'>, ref: MessageRef): Promise<Result<LoadedMessage>> {
  const source = deps.sourceFor(ref.accountId);
  if (!source.ok) return source;
  const raw = await source.value.source(ref.folder, ref.uid);
  if (!raw.ok) return raw;
  try {
    return ok({ source: source.value, raw: raw.value, parsed: await parseMessage(raw.value) });
  } catch (error) {
    deps.logger.warn('mail: message could not be parsed', { error });
    return fail('INTERNAL');
  }
}

/** Parses the message, marks it read, and says what a delivery report in it is about. */
export async function openMessage(deps: MessageViewDeps, ref: MessageRef): Promise<Result<MessageView>> {
  const loaded = await loadMessage(deps, ref);
  if (!loaded.ok) return loaded;
  const { source, raw, parsed } = loaded.value;
  const seen = await source.setFlags(ref.folder, [ref.uid], { seen: true });
  if (!seen.ok) deps.logger.warn('mail: could not mark as read', { code: seen.error.code });
  return ok(await viewOf(deps, ref, raw, parsed));
}

/** Remembers the person's choice to show remote content for this message or this sender, and shows it again. */
export async function allowRemoteContent(deps: MessageViewDeps, ref: MessageRef & { scope: 'message' | 'sender' }): Promise<Result<MessageView>> {
  const loaded = await loadMessage(deps, ref);
  if (!loaded.ok) return loaded;
  const { raw, parsed } = loaded.value;
  const { scope, ...message } = ref;
  if (scope === 'sender' && parsed.from) await deps.remote.allowSender(parsed.from.address);
  else await deps.remote.allowMessage(messageKey(message, parsed));
  // The view names its message by the reference alone (MessageRefSchema is strict): the scope
  // belongs to the request, and a view carrying it broke the reply's own schema.
  return ok(await viewOf(deps, message, raw, parsed));
}

async function viewOf(deps: MessageViewDeps, ref: MessageRef, raw: Buffer, parsed: ParsedMessage): Promise<MessageView> {
  const report = await parseDeliveryReport(raw).catch(() => null);
  const linked = report ? await linkToSent(deps.outbox, ref.accountId, report) : [];
  const bySender = parsed.from ? deps.remote.senderAllowed(parsed.from.address) : false;
  const byMessage = deps.remote.messageAllowed(messageKey(ref, parsed));
  return {
    ref,
    messageId: parsed.messageId,
    inReplyTo: parsed.inReplyTo,
    references: parsed.references,
    from: parsed.from,
    replyTo: parsed.replyTo,
    to: parsed.to,
    cc: parsed.cc,
    subject: parsed.subject,
    // No usable Date header: nothing shown, rather than 1 January 1970.
    date: parsed.date ?? '',
    text: parsed.text,
    html: parsed.html,
    inlineImages: parsed.inlineImages,
    attachments: parsed.attachments,
    remoteContent: { allowed: bySender || byMessage, scope: bySender ? 'sender' : byMessage ? 'message' : null },
    deliveryReport: report
      ? {
          recipients: report.recipients.map((r) => ({ recipient: r.recipient, action: r.action, status: r.status, diagnostic: r.diagnostic })),
          linkedJobId: linked[0]?.jobId ?? null,
        }
      : null,
  };
}

/** Remote content allowed "for this message": by Message-ID, or by its place when it has none. */
function messageKey(ref: MessageRef, parsed: ParsedMessage): string {
  return parsed.messageId ?? `${ref.accountId}/${ref.folder}/${ref.uid}`;
}
