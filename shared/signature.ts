/**
 * Signatures at the end of a message body, in the usual form: a line "-- " then the signature
 * (RFC 3676 section 4.3), in both the plain-text and the rich (HTML) body.
 */
import { escapeHtml } from './richtext';

export interface BodyValue {
  mode: 'rich' | 'plain';
  html: string;
  text: string;
}

export function signatureText(signature: string): string {
  const s = signature.replace(/\r\n?/g, '\n').trim();
  return s ? `\n\n-- \n${s}` : '';
}

export function signatureHtml(signature: string): string {
  const s = signature.replace(/\r\n?/g, '\n').trim();
  return s ? `<p>-- <br>${s.split('\n').map(escapeHtml).join('<br>')}</p>` : '';
}

/**
 * The body with `previous` signature at its end replaced by `next`. A signature the person has
 * edited is theirs: when the end is not exactly `previous`, `next` is not added.
 */
export function swapSignature(body: BodyValue, previous: string, next: string): BodyValue {
  const oldText = signatureText(previous);
  const newText = signatureText(next);
  const text = body.text.replace(/\s+$/, '');
  const bareText = oldText ? (text.endsWith(oldText.trimEnd()) ? text.slice(0, text.length - oldText.trimEnd().length) : null) : text;
  if (bareText === null) return body;
  if (body.mode === 'plain') return { ...body, text: `${bareText}${newText}` };
  const oldHtml = signatureHtml(previous);
  const html = body.html === '<p></p>' ? '' : body.html;
  const bareHtml = oldHtml ? (html.endsWith(oldHtml) ? html.slice(0, html.length - oldHtml.length) : null) : html;
  if (bareHtml === null) return body;
  return { mode: 'rich', html: `${bareHtml || (newText ? '<p></p>' : '')}${signatureHtml(next)}`, text: `${bareText}${newText}` };
}
