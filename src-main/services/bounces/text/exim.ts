import type { RecipientReport } from '../types';
import { findEmail, indentOf, lines, serverWords, textRecipient, type TextParser } from './common';

/** Exim: "This message was created automatically by mail delivery software." */
export const exim: TextParser = (text, { subject }) => {
  if (!/created automatically by mail delivery software/i.test(text)) return null;
  const delayed = /has not yet been delivered/i.test(text) || /^Warning: message .* delayed/i.test(subject);
  const all = lines(text);
  const start = all.findIndex((l) => /address(\(es\)|es)? failed:\s*$|not yet been delivered (is|are):\s*$/i.test(l));
  const recipients: RecipientReport[] = [];
  if (start >= 0) {
    let address: string | null = null;
    let detail: string[] = [];
    const flush = () => {
      if (!address) return;
      const joined = detail.join(' ');
      const remote = /\bhost\s+(\S+)\s+\[[^\]]*\]/.exec(joined)?.[1] ?? null;
      const words = serverWords(joined.replace(/^.*?after [A-Z ]+(?::<[^>]*>)?:/, '')) ?? (joined.trim() || null);
      const r = textRecipient(address, delayed ? 'delayed' : 'failed', words?.replace(/^Delay reason:\s*/i, '') ?? null, remote);
      if (r) recipients.push(r);
      address = null;
      detail = [];
    };
    for (const line of all.slice(start + 1)) {
      if (/^-{3,}/.test(line.trim())) break;
      if (line.trim() === '') continue;
      const indent = indentOf(line);
      if (indent === 0) break;
      if (indent <= 3) {
        flush();
        address = findEmail(line);
      } else if (address) detail.push(line.trim());
    }
    flush();
  }
  const subjectLine = /The subject of the message is:\s*(.+)/.exec(text)?.[1]?.trim() ?? null;
  return { kind: 'exim', recipients, subject: subjectLine };
};
