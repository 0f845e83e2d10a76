import { MAX_RECIPIENTS } from '../fields';
import type { Action, RecipientReport } from '../types';
import { findEmail, lines, textRecipient, type TextParser } from './common';

/** Exchange 2007-2013 NDR: "Delivery has failed to these recipients or groups:". */
export const exchange: TextParser = (text) => {
  const failed = /Delivery has failed to these recipients or groups:/i.exec(text);
  const delayed = /Delivery is delayed to these recipients or groups:/i.exec(text);
  const diagAt = text.search(/Diagnostic information for administrators:/i);
  if (!failed && !delayed && diagAt < 0) return null;
  const action: Action = failed || !delayed ? 'failed' : 'delayed';
  const listStart = (failed ?? delayed)?.index ?? diagAt;
  const listEnd = diagAt > listStart ? diagAt : text.length;
  const order: string[] = [];
  const add = (a: string) => {
    if (!order.some((o) => o.toLowerCase() === a.toLowerCase()) && order.length < MAX_RECIPIENTS) order.push(a);
  };
  for (const line of lines(text.slice(listStart, listEnd)).slice(1)) {
    const a = findEmail(line);
    if (a) add(a);
  }
  const words = new Map<string, string>();
  let reportingMta: string | null = null;
  if (diagAt >= 0) {
    const diag = lines(text.slice(diagAt)).slice(0, 2000);
    let last: string | null = null;
    for (const line of diag) {
      if (/^\s*Original message headers:/i.test(line)) break;
      const gen = /Generating server:\s*(\S+)/i.exec(line);
      if (gen) reportingMta = gen[1]!;
      const returned = /Remote Server returned '(.*)'/i.exec(line)?.[1];
      const hashed = /#\s*([245]\d\d[ -].*?)\s*##/.exec(line)?.[1];
      const said = returned ? returned.replace(/^<\s*/, '').replace(/\s*>$/, '').replace(/^#[245]\.\d+\.\d+\s+\w+;\s*/, '') : hashed;
      if (said && last && !words.has(last)) words.set(last, said);
      const a = /^\s*(\S+@\S+?)\s*$/.exec(line.slice(0, 1000))?.[1];
      if (a && findEmail(a) === a) {
        last = a.toLowerCase();
        add(a);
      }
    }
  }
  const recipients = order.map((a) => textRecipient(a, action, words.get(a.toLowerCase()) ?? null, null)).filter((r): r is RecipientReport => r !== null);
  return { kind: 'exchange', recipients, reportingMta };
};
