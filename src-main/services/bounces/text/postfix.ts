import { MAX_RECIPIENTS } from '../fields';
import type { Action, RecipientReport } from '../types';
import { lines, textRecipient, type TextParser } from './common';

/** Postfix's text: "This is the mail system at host X." then "<x@y>: host mx[ip] said: 550 ...". */
export const postfix: TextParser = (text, { subject }) => {
  const sig = /This is the (?:mail system|Postfix program) at host ([^\s]+?)\.?\s*$/im.exec(text);
  if (!sig) return null;
  const action: Action = /THIS IS A WARNING ONLY|Delayed Mail|still being retried/i.test(text + '\n' + subject)
    ? 'delayed'
    : /successfully delivered/i.test(text) && !/could not be delivered/i.test(text)
      ? 'delivered'
      : 'failed';
  const recipients: RecipientReport[] = [];
  const all = lines(text);
  for (let i = 0; i < all.length && recipients.length < MAX_RECIPIENTS; i++) {
    const m = /^<([^<>\s]+)>(?: \(expanded from <([^<>\s]+)>\))?:\s*(.*)$/.exec(all[i]!);
    if (!m) continue;
    const parts = [m[3]!];
    while (i + 1 < all.length && /^[ \t]+\S/.test(all[i + 1]!)) parts.push(all[++i]!.trim());
    const detail = parts.join(' ');
    const said = /host (\S+?)\[[^\]]*\] said:\s*(.*)$/.exec(detail);
    const words = said ? said[2]!.replace(/\s*\(in reply to [^)]*\)\s*$/, '') : detail;
    const r = textRecipient(m[1]!, action, words, said?.[1] ?? null, m[2] ?? null);
    if (r) recipients.push(r);
  }
  return { kind: 'postfix', recipients, reportingMta: sig[1] ?? null };
};
