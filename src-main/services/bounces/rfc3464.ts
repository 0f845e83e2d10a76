/** RFC 3464 / RFC 6533: a multipart/report with a message/delivery-status (or global) part. */
import {
  actionFrom,
  cleanAddress,
  cleanDiagnostic,
  cleanHost,
  decodeXtext,
  isoDate,
  MAX_RECIPIENTS,
  messageIdOf,
  originalFrom,
  statusFrom,
  stripComments,
} from './fields';
import { decodedBody, headerValue, mainText, MAX_TEXT, parseHeaderLines, returnedHeaders, walk, type Entity, type Header } from './mime';
import type { DeliveryReport, RecipientReport, ReportKind } from './types';

const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);

/** The multipart/report about delivery: the message itself, or directly inside a wrapping multipart. */
export function findReport(root: Entity, depth: number): Entity | null {
  if (root.type === 'multipart/report') {
    const rt = (root.params['report-type'] ?? '').toLowerCase();
    return rt === 'delivery-status' || rt === 'global-delivery-status' ? root : null;
  }
  if (depth >= 2 || !root.type.startsWith('multipart/')) return null;
  for (const child of root.children) {
    const found = findReport(child, depth + 1);
    if (found) return found;
  }
  return null;
}

export function fromDeliveryStatus(root: Entity, report: Entity): DeliveryReport | null {
  const statusPart = [...walk(report)].find((e) => STATUS_TYPES.has(e.type));
  if (!statusPart) return null;
  const body = decodedBody(statusPart, MAX_TEXT);
  const perMessage: Header[] = [];
  const recipients: RecipientReport[] = [];
  const groupFields: Header[][] = [];
  for (const group of body.split(/\r?\n(?:[ \t]*\r?\n)+/)) {
    const fields = parseHeaderLines(group.replace(/^(?:[ \t]*\r?\n)+/, ''));
    if (fields.length === 0) continue;
    if (headerValue(fields, 'final-recipient') || headerValue(fields, 'original-recipient')) groupFields.push(fields);
    else perMessage.push(...fields);
  }
  for (const fields of groupFields.slice(0, MAX_RECIPIENTS)) {
    const original = cleanAddress(headerValue(fields, 'original-recipient'));
    const recipient = cleanAddress(headerValue(fields, 'final-recipient')) ?? original;
    if (!recipient) continue;
    const diagnostic = cleanDiagnostic(headerValue(fields, 'diagnostic-code'));
    const statusField = headerValue(fields, 'status');
    const action = actionFrom(headerValue(fields, 'action'), statusField);
    recipients.push({
      recipient,
      originalRecipient: original,
      action,
      status: statusFrom(statusField, diagnostic, action),
      diagnostic,
      remoteMta: cleanHost(headerValue(fields, 'remote-mta')),
    });
  }
  if (recipients.length === 0) return null;

  const returned = originalFrom(returnedHeaders(report));
  const envid = headerValue(perMessage, 'original-envelope-id');
  const text = mainText(report);
  return {
    kind: dsnKind(root, perMessage, groupFields, text),
    reportMessageId: messageIdOf(headerValue(root.headers, 'message-id')),
    reportingMta: cleanHost(headerValue(perMessage, 'reporting-mta')),
    envelopeId: envid ? decodeXtext(stripComments(envid)) || null : null,
    // Gmail names the returned message in its own field as well.
    originalMessageId: returned.messageId ?? messageIdOf(headerValue(perMessage, 'x-original-message-id')),
    originalSubject: returned.subject,
    arrivalDate: isoDate(headerValue(perMessage, 'arrival-date')) ?? isoDate(headerValue(root.headers, 'date')),
    recipients,
  };
}

export function dsnKind(root: Entity, perMessage: Header[], groups: Header[][], text: string): ReportKind {
  const reporting = (headerValue(perMessage, 'reporting-mta') ?? '').toLowerCase();
  const names = new Set([...perMessage, ...groups.flat()].map((h) => h.name));
  const diagnostics = groups.map((g) => headerValue(g, 'diagnostic-code') ?? '').join('\n');
  const from = (headerValue(root.headers, 'from') ?? '').toLowerCase();
  if (
    root.headers.some((h) => h.name.startsWith('x-ms-exchange-')) ||
    names.has('x-display-name') ||
    /outlook\.com|exchangelabs\.com/.test(reporting) ||
    /RESOLVER\.|STOREDRV\./.test(diagnostics) ||
    /Diagnostic information for administrators|Delivery has failed to these recipients/i.test(text)
  )
    return 'exchange';
  if (/googlemail\.com|\bgmail\.com/.test(reporting) || /mailer-daemon@googlemail\.com/.test(from)) return 'gmail';
  if ([...names].some((n) => n.startsWith('x-postfix-')) || /This is the (mail system|Postfix program) at host/i.test(text)) return 'postfix';
  if (names.has('x-exim-diagnostic') || /created automatically by mail delivery software/i.test(text)) return 'exim';
  if (names.has('x-actual-recipient') || /The original message was received at|----- The following address(es)? had|Transcript of session follows/i.test(text))
    return 'sendmail';
  return 'dsn';
}
