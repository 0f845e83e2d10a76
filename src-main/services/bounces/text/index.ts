/**
 * Bounces in words rather than RFC 3464 fields: the forms Exim, qmail, Postfix, old Exchange and Gmail
 * still send, and any bounce that names its failed recipients only in X-Failed-Recipients. Each form
 * has a parser of its own; the first that recognises the text wins, so the order below matters (the
 * more specific signatures come first, the header-only fallback last).
 */
import { looksLikeDeliveryReport } from '../candidate';
import { isoDate, MAX_RECIPIENTS, messageIdOf, originalFrom } from '../fields';
import { headerValue, mainText, MAX_HEADER_CHARS, returnedHeaders, splitHeaders, type Entity, type Header } from '../mime';
import type { DeliveryReport } from '../types';
import type { TextParser } from './common';
import { exchange } from './exchange';
import { exim } from './exim';
import { failedRecipientsHeader } from './failed-recipients';
import { gmail } from './gmail';
import { postfix } from './postfix';
import { qmail } from './qmail';

export const TEXT_PARSERS: readonly TextParser[] = [exim, qmail, postfix, exchange, gmail, failedRecipientsHeader];

export function fromText(root: Entity): DeliveryReport | null {
  const h = root.headers;
  const from = headerValue(h, 'from') ?? null;
  const failedHeader = headerValue(h, 'x-failed-recipients');
  const evidence =
    looksLikeDeliveryReport({
      from,
      subject: headerValue(h, 'subject') ?? null,
      contentType: headerValue(h, 'content-type') ?? null,
      headers: { 'x-failed-recipients': failedHeader, 'auto-submitted': headerValue(h, 'auto-submitted'), 'return-path': headerValue(h, 'return-path') },
    }) ||
    // Exchange's system mailbox, e.g. MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com.
    /<?microsoftexchange[0-9a-f]*@/i.test(from ?? '');
  if (!evidence) return null;

  const text = mainText(root).replace(/\r\n?/g, '\n');
  const mail = { subject: headerValue(h, 'subject') ?? '', header: (name: string) => headerValue(h, name) };
  let result = null;
  for (const parse of TEXT_PARSERS) if ((result = parse(text, mail))) break;
  if (!result || result.recipients.length === 0) return null;

  const quoted = returnedHeaders(root) ?? quotedHeaders(text);
  const original = originalFrom(quoted);
  // Exim names the returned message in References, also in delay warnings that carry no copy.
  if (!original.messageId && result.kind === 'exim') original.messageId = messageIdOf(headerValue(h, 'references')?.split(/\s+/).pop());
  return {
    kind: result.kind,
    reportMessageId: messageIdOf(headerValue(h, 'message-id')),
    reportingMta: result.reportingMta ?? null,
    envelopeId: null,
    originalMessageId: original.messageId,
    originalSubject: original.subject ?? result.subject ?? null,
    arrivalDate: isoDate(headerValue(h, 'date')),
    recipients: result.recipients.slice(0, MAX_RECIPIENTS),
  };
}

/** Headers of the returned message quoted after a marker line in a text bounce. */
function quotedHeaders(text: string): Header[] | null {
  const marker =
    /^[ \t]*-{2,}\s*(?:This is a copy of the message|Below this line is a copy of the message|Original message|Original message follows|Undelivered message headers)[^\n]*\n/im.exec(
      text,
    ) ?? /^\s*Original message headers:\s*\n/im.exec(text);
  if (!marker) return null;
  const rest = text.slice(marker.index + marker[0].length).replace(/^\s*\n/, '');
  const headers = splitHeaders(rest.slice(0, MAX_HEADER_CHARS), true).headers;
  return headers.length > 0 ? headers : null;
}
