/**
 * What the compose window asks once before sending: a message without a subject, without a body, or whose
 * text says something is attached while nothing is. Only the person's own words count: quoted reply text,
 * the "… wrote:" line above it, a forwarded message and the signature are not theirs (a reply to "see the
 * attached file" must not ask).
 */

export type SendQuestion = 'no-subject' | 'no-body' | 'attachment-mentioned';

const FORWARD_HEADER = /^-{5,} ?Forwarded message ?-{5,}\s*$/;
const SIGNATURE_LINE = /^-- ?$/;
/** "attached", "attachment(s)", "attaching", "enclosed", as whole words, any case. */
const MENTIONS_ATTACHMENT = /\b(?:attached|attachments?|attaching|enclosed)\b/i;

/** The person's own words in a plain-text body (the editor's text of a rich body quotes with "> " too). */
export function ownText(text: string): string {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  const kept: string[] = [];
  let inSignature = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FORWARD_HEADER.test(line.trim())) break;
    if (SIGNATURE_LINE.test(line)) {
      inSignature = true;
      continue;
    }
    // A signature is one block: it ends at the first blank line.
    if (inSignature) {
      if (line.trim() === '') inSignature = false;
      continue;
    }
    if (line.startsWith('>')) continue;
    // The attribution line just above a quote ("On 3 May, Ann wrote:"). The editor's text puts a blank line
    // between the two (they are separate blocks), a plain-text reply does not.
    if (/wrote:\s*$/.test(line) && nextFilled(lines, i + 1).startsWith('>')) continue;
    kept.push(line);
  }
  return kept.join('\n').trim();
}

function nextFilled(lines: string[], from: number): string {
  for (let j = from; j < lines.length; j++) if (lines[j]!.trim() !== '') return lines[j]!;
  return '';
}

export function mentionsAttachment(text: string): boolean {
  return MENTIONS_ATTACHMENT.test(ownText(text));
}

/** The questions to ask before this message goes, in the order they are shown; none means send at once. */
export function questionsBeforeSending(message: { subject: string; text: string; attachments: number }): SendQuestion[] {
  const questions: SendQuestion[] = [];
  const own = ownText(message.text);
  if (!message.subject.trim()) questions.push('no-subject');
  if (!own) questions.push('no-body');
  if (message.attachments === 0 && MENTIONS_ATTACHMENT.test(own)) questions.push('attachment-mentioned');
  return questions;
}

/** Each question in the person's words. */
export const SEND_QUESTION_TEXT: Record<SendQuestion, string> = {
  'no-subject': 'The message has no subject.',
  'no-body': 'The message has no text.',
  'attachment-mentioned': 'The message mentions an attachment, but no file is attached.',
};
