/**
 * A job whose record (in the journal, or an old `<id>.json`) was damaged while its message file is intact is rebuilt from
 * what is left, so the message never vanishes: Message-ID, subject and recipients from the
 * message's own headers, the envelope recipients from the draft kept with the job when it is
 * there (it alone knows the Bcc addresses), the account from that draft. What the record knew of
 * the sending (whether it went out, to whom) is lost, so the job is 'uncertain' ("may have been
 * sent"): never sent on its own, the person checks it and decides.
 */
import { open, stat } from 'node:fs/promises';
import { simpleParser, type AddressObject } from 'mailparser';
import { parseAddressList } from '../../../shared/addresses';
import { appError } from '../../../shared/result';
import { measureMessageFile, toEnvelopeAddress } from './message';
import type { JobRecord } from './types';

/** The header block is read alone: the message can be hundreds of megabytes. */
const HEADER_LIMIT = 256 * 1024;

async function readHeaderBlock(file: string): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buffer = Buffer.alloc(HEADER_LIMIT);
    const { bytesRead } = await handle.read(buffer, 0, HEADER_LIMIT, 0);
    const head = buffer.subarray(0, bytesRead);
    const end = head.indexOf('\r\n\r\n');
    const endLf = head.indexOf('\n\n');
    const cut = end >= 0 ? end + 4 : endLf >= 0 ? endLf + 2 : head.length;
    return head.subarray(0, cut);
  } finally {
    await handle.close();
  }
}

const addressesIn = (field: AddressObject | AddressObject[] | undefined): string[] =>
  (Array.isArray(field) ? field : field ? [field] : []).flatMap((o) =>
    o.value.flatMap((a) => (a.address ? [a.address] : (a.group ?? []).flatMap((g) => (g.address ? [g.address] : [])))),
  );

/** The draft's own recipients (To, Cc, Bcc), when the draft is one the editor wrote. */
function draftRecipients(draft: unknown): { accountId: string; to: string[] } | null {
  const d = draft as { accountId?: unknown; to?: unknown; cc?: unknown; bcc?: unknown } | null;
  if (!d || typeof d !== 'object' || typeof d.accountId !== 'string') return null;
  const fields = [d.to, d.cc, d.bcc];
  if (!fields.every((f) => typeof f === 'string')) return null;
  const to = (fields as string[]).flatMap((f) => parseAddressList(f).addresses.map((a) => a.envelope));
  return { accountId: d.accountId, to };
}

/** A job record for the intact message `emlPath` of job `id`, whose own record was lost. */
export async function rebuildRecord(id: string, emlPath: string, draft: unknown, now: number, maxAttempts: number): Promise<JobRecord> {
  const parsed = await simpleParser(await readHeaderBlock(emlPath), { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true });
  const measured = await measureMessageFile(emlPath);
  const info = await stat(emlPath);
  const fromDraft = draftRecipients(draft);
  const headerTo = [...addressesIn(parsed.to), ...addressesIn(parsed.cc)];
  const seen = new Set<string>();
  const envelopeTo = (fromDraft?.to.length ? fromDraft.to : headerTo.map(toEnvelopeAddress)).filter((a) => {
    const key = a.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const from = addressesIn(parsed.from)[0] ?? '';
  const nowIso = new Date(now).toISOString();
  return {
    format: 1,
    id,
    // Without a draft the account is unknown: sending then fails with ACCOUNT_NOT_FOUND, and the person can still delete it.
    accountId: fromDraft?.accountId ?? '',
    state: 'uncertain',
    createdAt: info.mtime.toISOString(),
    updatedAt: nowIso,
    notBefore: nowIso,
    scheduled: false,
    attempts: 0,
    maxAttempts,
    messageId: parsed.messageId ?? '',
    envelope: { from: toEnvelopeAddress(from), to: envelopeTo },
    summary: { subject: parsed.subject ?? '', to: fromDraft?.to.length ? fromDraft.to : headerTo, sizeBytes: measured.sizeBytes },
    emlSha256: measured.sha256,
    accepted: [],
    refused: [],
    deliveryReports: [],
    lastError: appError('OUTBOX_RECORD_DAMAGED'),
    damaged: 'record',
  };
}
