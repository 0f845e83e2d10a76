/** The wizard's form state and its translation to the contract; pure, so it is easy to reason about. */
import { AccountInputSchema, DEFAULT_PORT, type Account, type AccountInput, type AuthMethod, type Security } from '../../../shared/model';
import { fieldProblemText } from '../../ui/error-text';

export interface WizardForm {
  description: string;
  displayName: string;
  email: string;
  host: string;
  port: string;
  security: Security;
  auth: AuthMethod;
  username: string;
  password: string;
  /** Fields the person typed in themselves; others follow their defaults. */
  touched: { port: boolean; username: boolean; description: boolean };
}

export const emptyForm = (): WizardForm => ({
  description: '',
  displayName: '',
  email: '',
  host: '',
  port: String(DEFAULT_PORT.tls),
  security: 'tls',
  auth: 'password',
  username: '',
  password: '',
  touched: { port: false, username: false, description: false },
});

export const formFromAccount = (a: Account): WizardForm => ({
  description: a.description,
  displayName: a.displayName,
  email: a.email,
  host: a.smtp.host,
  port: String(a.smtp.port),
  security: a.smtp.security,
  auth: a.smtp.auth,
  username: a.smtp.username,
  password: '',
  touched: { port: true, username: true, description: true },
});

export type WizardEdit =
  | { field: 'description' | 'displayName' | 'email' | 'host' | 'port' | 'username' | 'password'; value: string }
  | { field: 'security'; value: Security }
  | { field: 'auth'; value: AuthMethod };

/** Applies one edit, with the defaults a person expects: the port follows the security until typed. */
export function applyEdit(form: WizardForm, edit: WizardEdit): WizardForm {
  const next: WizardForm = { ...form, touched: { ...form.touched } };
  switch (edit.field) {
    case 'security':
      next.security = edit.value;
      if (!form.touched.port) next.port = String(DEFAULT_PORT[edit.value]);
      return next;
    case 'auth':
      next.auth = edit.value;
      return next;
    case 'email':
      next.email = edit.value;
      if (!form.touched.username) next.username = edit.value.trim();
      if (!form.touched.description) next.description = edit.value.trim();
      return next;
    case 'port':
    case 'username':
    case 'description':
      next[edit.field] = edit.value;
      next.touched[edit.field] = edit.value !== '';
      return next;
    default:
      next[edit.field] = edit.value;
      return next;
  }
}

export type FieldErrors = Partial<Record<string, string>>;

/** Validates with the same schema main uses; returns the contract's input or the field errors. */
export function toAccountInput(form: WizardForm): { ok: true; value: AccountInput } | { ok: false; errors: FieldErrors } {
  const port = /^\d+$/.test(form.port.trim()) ? Number(form.port.trim()) : Number.NaN;
  const parsed = AccountInputSchema.safeParse({
    description: form.description,
    email: form.email,
    displayName: form.displayName,
    smtp: { host: form.host, port, security: form.security, auth: form.auth, username: form.auth === 'password' ? form.username : '' },
  });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: fieldErrors(parsed.error.issues.map((i) => ({ path: i.path.join('.'), problem: i.code === 'custom' ? i.message : i.code }))) };
}

const SPECIFIC: Record<string, string> = {
  email: 'Enter an email address like name@example.com.',
  'smtp.host': 'Enter a server name like smtp.example.com, without "smtp://" or a port.',
  'smtp.port': 'Enter a port number from 1 to 65535.',
};

export function fieldErrors(fields: Array<{ path: string; problem: string }>): FieldErrors {
  const errors: FieldErrors = {};
  for (const { path, problem } of fields) {
    if (errors[path]) continue;
    errors[path] = problem === 'required' || problem === 'too_small' ? fieldProblemText(problem) : (SPECIFIC[path] ?? fieldProblemText(problem));
  }
  return errors;
}
