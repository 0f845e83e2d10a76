import { MAX_RECIPIENTS } from '../fields';
import type { RecipientReport } from '../types';
import { serverWords, textRecipient, type TextParser } from './common';

/** Only X-Failed-Recipients is known: every address there failed. */
export const failedRecipientsHeader: TextParser = (text, { header: field }) => {
  const header = field('x-failed-recipients');
  if (!header) return null;
  const words = serverWords(text.slice(0, 16 * 1024));
  const recipients = header
    .split(',')
    .slice(0, MAX_RECIPIENTS)
    .map((a) => textRecipient(a.trim(), 'failed', words, null))
    .filter((r): r is RecipientReport => r !== null);
  return { kind: 'other', recipients };
};
