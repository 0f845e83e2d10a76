import { MAX_RECIPIENTS } from '../fields';
import type { RecipientReport } from '../types';
import { serverWords, textRecipient, type TextParser } from './common';

/** qmail: "Hi. This is the qmail-send program at host." then "<addr>:" blocks. */
export const qmail: TextParser = (text) => {
  const sig = /This is the qmail-send program at ([^\s.]+(?:\.[^\s.]+)*)/i.exec(text);
  if (!sig) return null;
  const body = text.split(/^--- Below this line is a copy of the message\.?/m)[0] ?? text;
  const recipients: RecipientReport[] = [];
  const blocks = body.split(/\n\s*\n/);
  for (let i = 0; i < blocks.length && recipients.length < MAX_RECIPIENTS; i++) {
    const block = blocks[i]!.trim();
    const m = /^<([^<>\s]+)>:\s*([\s\S]*)$/.exec(block);
    if (!m) continue;
    const detail = m[2]!.trim();
    const status = /\(#([245]\.\d{1,3}\.\d{1,3})\)/.exec(detail)?.[1];
    const said = detail.replace(/^[\s\S]*?Remote host said:/i, '').split(/\n(?=Giving up|I'm not going to try again)/)[0]!;
    const words = serverWords(said) ?? (detail || null);
    const remote = /^(\S+) does not like recipient/im.exec(detail)?.[1] ?? /Connected to (\S+) but/i.exec(detail)?.[1] ?? null;
    const r = textRecipient(m[1]!, 'failed', words, remote);
    if (r) {
      if (status && !/[245]\d\d [245]\./.test(words ?? '')) r.status = status;
      recipients.push(r);
    }
  }
  return { kind: 'qmail', recipients, reportingMta: sig[1] ?? null };
};
