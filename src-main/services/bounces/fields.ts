/** Reading the fields of a delivery report: addresses, hosts, status codes, actions, dates, Message-IDs. */
import { decodeWords, headerValue, safeCodePoint, type Header } from './mime';
import type { Action } from './types';

export const MAX_RECIPIENTS = 200;

export function stripComments(value: string): string {
  let out = '';
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '\\' && i + 1 < value.length) {
      if (depth === 0) out += c + value[i + 1]!;
      i++;
    } else if (c === '"' && depth === 0) {
      quoted = !quoted;
      out += c;
    } else if (c === '(' && !quoted) depth++;
    else if (c === ')' && !quoted && depth > 0) depth--;
    else if (depth === 0) out += c;
  }
  return out.replace(/\s+/g, ' ').trim();
}

/** "rfc822; Bob@Example.COM" -> "Bob@example.com"; "utf-8; jos\x{E9}@..." decoded (RFC 6533). */
export function cleanAddress(value: string | undefined): string | null {
  if (!value) return null;
  let v = stripComments(value);
  const typed = /^([A-Za-z0-9-]+)\s*;\s*(.*)$/.exec(v);
  if (typed) {
    v = typed[2]!;
    if (typed[1]!.toLowerCase() === 'utf-8') v = v.replace(/\\x\{([0-9A-Fa-f]{1,6})\}/g, (_, h: string) => safeCodePoint(parseInt(h, 16)));
  }
  const angled = /<([^<>]*)>/.exec(v);
  if (angled) v = angled[1]!;
  v = v.trim().replace(/^"(.*)"$/, '$1');
  if (!v || v.length > 512) return null;
  const at = v.lastIndexOf('@');
  if (at <= 0) return v;
  return `${v.slice(0, at)}@${v.slice(at + 1).toLowerCase().replace(/\.$/, '')}`;
}

/** "dns; mx.example.com. (192.0.2.10, ...)" -> "mx.example.com". */
export function cleanHost(value: string | undefined): string | null {
  if (!value) return null;
  const v = stripComments(value).replace(/^[A-Za-z0-9-]+\s*;\s*/, '').replace(/\.$/, '').trim();
  return v || null;
}

export function cleanDiagnostic(value: string | undefined): string | null {
  if (!value) return null;
  const v = value.replace(/^[A-Za-z0-9-]+\s*;\s*/, '').replace(/\s+/g, ' ').trim();
  return v || null;
}

export function decodeXtext(value: string): string {
  return value.replace(/\+([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

export function messageIdOf(value: string | undefined): string | null {
  if (!value) return null;
  const angled = /<([^<>\s]+)>/.exec(value);
  if (angled) return `<${angled[1]}>`;
  const bare = value.trim().split(/\s+/)[0];
  return bare && bare.includes('@') ? `<${bare}>` : null;
}

export function isoDate(value: string | undefined): string | null {
  if (!value) return null;
  const t = Date.parse(stripComments(value));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export const ENHANCED_STATUS = /(?:^|[\s#'"<(])([245]\.\d{1,3}\.\d{1,3})(?=[\s)'">;,]|$)/;
export const SMTP_REPLY = /(?:^|[\s:'"#(<[])([245])\d\d(?=[ -]|$)/;

export function statusFrom(field: string | undefined, diagnostic: string | null, action: Action): string {
  const own = field ? /([245]\.\d{1,3}\.\d{1,3})/.exec(field)?.[1] : undefined;
  if (own) return own;
  const enhanced = diagnostic ? ENHANCED_STATUS.exec(diagnostic)?.[1] : undefined;
  if (enhanced) return enhanced;
  const reply = diagnostic ? SMTP_REPLY.exec(diagnostic)?.[1] : undefined;
  if (reply) return `${reply}.0.0`;
  return action === 'failed' ? '5.0.0' : action === 'delayed' ? '4.0.0' : '2.0.0';
}

export const ACTIONS: readonly Action[] = ['failed', 'delayed', 'delivered', 'relayed', 'expanded'];

export function actionFrom(field: string | undefined, status: string | undefined): Action {
  const a = stripComments(field ?? '').toLowerCase() as Action;
  if (ACTIONS.includes(a)) return a;
  const cls = status ? /([245])\.\d/.exec(status)?.[1] : undefined;
  return cls === '4' ? 'delayed' : cls === '2' ? 'delivered' : 'failed';
}

export function originalFrom(headers: Header[] | null): { messageId: string | null; subject: string | null } {
  if (!headers || headers.length === 0) return { messageId: null, subject: null };
  const subject = headerValue(headers, 'subject');
  return { messageId: messageIdOf(headerValue(headers, 'message-id')), subject: subject ? decodeWords(subject) : null };
}
