/** What the per-server text parsers share: finding addresses and the server's own words in a text bounce. */
import { cleanAddress, statusFrom } from '../fields';
import type { Action, RecipientReport, ReportKind } from '../types';

export interface TextResult {
  kind: ReportKind;
  recipients: RecipientReport[];
  reportingMta?: string | null;
  subject?: string | null;
}

/** The report as the text and the headers of the bounce give it; null when the text is not this server's form. */
export type TextParser = (text: string, mail: { subject: string; header: (name: string) => string | undefined }) => TextResult | null;

export const EMAIL = /[^\s<>()[\]"',;:]+@[^\s<>()[\]"',;:]+\.[^\s<>()[\]"',;:]*[^\s<>()[\]"',;:.]/;

/** First address on a line; lines are cut first because the pattern backtracks. */
export function findEmail(line: string): string | null {
  return EMAIL.exec(line.slice(0, 1000))?.[0] ?? null;
}

export function textRecipient(address: string, action: Action, words: string | null, remoteMta: string | null, original: string | null = null): RecipientReport | null {
  const recipient = cleanAddress(address);
  if (!recipient || !recipient.includes('@')) return null;
  const diagnostic = words ? words.replace(/\s+/g, ' ').trim() || null : null;
  return { recipient, originalRecipient: original ? cleanAddress(original) : null, action, status: statusFrom(undefined, diagnostic, action), diagnostic, remoteMta };
}

/** From the first SMTP reply code on: the server's own words. */
export function serverWords(text: string): string | null {
  const m = /(?:^|[\s:'"#(<[])([245]\d\d[ -].*)$/s.exec(text.replace(/\s+/g, ' '));
  return m ? m[1]!.trim() : null;
}

export function lines(text: string): string[] {
  return text.split('\n', 5000);
}

export function indentOf(line: string): number {
  return /^[ \t]*/.exec(line)![0].replace(/\t/g, '        ').length;
}
