/**
 * The merge's message as the person edits it (the compose window's fields, plus what only a merge
 * has), and how it becomes the contract's MergeTemplate. Problems the renderer can see on its own
 * (no recipient, an unsubscribe address that is not one) are found here; the template's syntax and
 * its columns are checked in main, and those errors are mapped back to the field they name.
 */
import { UnsubscribeSchema, type MergeTemplate } from '../../../shared/merge/contract';
import type { AppError } from '../../../shared/result';
import type { Body } from '../../../shared/outbox';

export interface TemplateDraft {
  accountId: string;
  identityId: string;
  to: string;
  cc: string;
  subject: string;
  /** The editor's value (compose/RichEditor.tsx RichValue: its document too, so a return to the step shows it as it was). */
  body: Body & { doc?: unknown };
  /** '' for none. */
  attachmentColumn: string;
  unsubscribeMailto: string;
  unsubscribeHttps: string;
}

export type TemplateField = 'from' | 'to' | 'cc' | 'subject' | 'body' | 'attachmentColumn' | 'unsubscribeMailto' | 'unsubscribeHttps';
export type TemplateErrors = Partial<Record<TemplateField, string>>;

export const emptyDraft = (accountId: string): TemplateDraft => ({
  accountId,
  identityId: '',
  to: '',
  cc: '',
  subject: '',
  body: { mode: 'rich', html: '', text: '' },
  attachmentColumn: '',
  unsubscribeMailto: '',
  unsubscribeHttps: '',
});

/** The template to send to main, or what must be fixed first (by field). */
export function toTemplate(draft: TemplateDraft): { template: MergeTemplate | null; errors: TemplateErrors } {
  const errors: TemplateErrors = {};
  if (!draft.accountId) errors.from = 'Choose the account to send from.';
  if (!draft.to.trim() && !draft.cc.trim()) errors.to = 'Add a recipient: usually the address column, as {{Email}}.';
  const mailto = draft.unsubscribeMailto.trim();
  const https = draft.unsubscribeHttps.trim();
  if (mailto && !UnsubscribeSchema.safeParse({ mailto }).success) errors.unsubscribeMailto = 'This is not an email address (name@example.org).';
  if (https && !UnsubscribeSchema.safeParse({ https }).success) errors.unsubscribeHttps = 'Use a web address that starts with https://.';
  if (Object.keys(errors).length) return { template: null, errors };
  const template: MergeTemplate = {
    accountId: draft.accountId,
    identityId: draft.identityId,
    to: draft.to,
    cc: draft.cc,
    subject: draft.subject,
    body: { mode: draft.body.mode, html: draft.body.mode === 'rich' ? draft.body.html : '', text: draft.body.text },
    ...(draft.attachmentColumn ? { attachmentColumn: draft.attachmentColumn } : {}),
    ...(mailto || https ? { unsubscribe: { ...(mailto ? { mailto } : {}), ...(https ? { https } : {}) } } : {}),
  };
  return { template, errors };
}

const FIELD_OF_PATH: Array<[RegExp, TemplateField]> = [
  [/(^|\.)to$/, 'to'],
  [/(^|\.)cc$/, 'cc'],
  [/(^|\.)subject$/, 'subject'],
  [/(^|\.)body(\.|$)/, 'body'],
  [/(^|\.)attachmentColumn$/, 'attachmentColumn'],
  [/(^|\.)unsubscribe\.mailto$/, 'unsubscribeMailto'],
  [/(^|\.)unsubscribe\.https$/, 'unsubscribeHttps'],
];

/**
 * A template error from main (MERGE_TEMPLATE_INVALID, MERGE_COLUMN_UNKNOWN) as words next to the field
 * it names; null for any other error (shown as a notice). A part main does not name goes with the body.
 */
export function templateErrors(error: AppError): TemplateErrors | null {
  if (error.code !== 'MERGE_TEMPLATE_INVALID' && error.code !== 'MERGE_COLUMN_UNKNOWN') return null;
  // A column of the mapping (the data step's choice), not of the message: a notice, not a field's error.
  if (error.detail?.fields?.some((f) => f.path === 'mapping')) return null;
  const errors: TemplateErrors = {};
  const fields = error.detail?.fields?.length ? error.detail.fields : [{ path: 'body', problem: '' }];
  for (const { path, problem } of fields) {
    const field = FIELD_OF_PATH.find(([re]) => re.test(path))?.[1] ?? 'body';
    const words =
      error.code === 'MERGE_COLUMN_UNKNOWN'
        ? `The data has no column ${problem ? `“${problem}”` : 'by that name'}: check the spelling (upper and lower case count), or insert it with “Insert field”.`
        : `This field is not written right${problem ? ` near “${problem}”` : ''}. Fields are written {{Column}}, {{Column|fallback}} or {{#if Column}}…{{/if}}.`;
    errors[field] = errors[field] ? `${errors[field]} ${words}` : words;
  }
  return errors;
}
