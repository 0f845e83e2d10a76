/**
 * Recognises delivery reports (bounces, delay and success notices) and reads what they say about each
 * recipient: RFC 3464 / RFC 6533 multipart/report first (rfc3464.ts), then the text forms that Exim,
 * qmail, old Exchange, Gmail and Postfix still send (text/). Arbitrary input never throws and the work
 * is bounded: the MIME walk (mime.ts) is our own, for the reasons given there.
 */
import { fromDeliveryStatus, findReport } from './rfc3464';
import { MAX_SOURCE, parseEntity } from './mime';
import { fromText } from './text';
import type { DeliveryReport } from './types';

export type { DeliveryReport, RecipientReport, ReportKind } from './types';

export async function parseDeliveryReport(source: Buffer): Promise<DeliveryReport | null> {
  try {
    return parseSync(source);
  } catch {
    // Defensive: a report we cannot read is treated as an ordinary message.
    return null;
  }
}

function parseSync(source: Buffer): DeliveryReport | null {
  if (!Buffer.isBuffer(source) || source.length === 0) return null;
  // latin1 maps every byte to one char, so structure is found on a string and bytes come back intact.
  const raw = source.subarray(0, MAX_SOURCE).toString('latin1');
  const ctx = { parts: 0 };
  const root = parseEntity(raw, 0, ctx);
  if (root.headers.length === 0) return null;

  if (root.type === 'multipart/report') {
    const reportType = (root.params['report-type'] ?? '').toLowerCase();
    // Read receipts, abuse feedback and TLS reports are reports too, but not about delivery.
    if (reportType !== 'delivery-status' && reportType !== 'global-delivery-status') return null;
  }
  const dsn = findReport(root, 0);
  if (dsn) {
    const parsed = fromDeliveryStatus(root, dsn);
    if (parsed) return parsed;
  }
  return fromText(root);
}
