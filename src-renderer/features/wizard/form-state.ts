/** The wizard's form state and its translation to the contract; pure, so it is easy to reason about. */
import type { DiscoveryResult, ServerCandidate } from '../../../shared/discovery';
import { inReportOrder, type VerifyReport } from '../../../shared/verify';
import type { OAuthProvider, OAuthSettings } from '../../../shared/oauth';
import type { RequestOf } from '../../../shared/ipc';
import {
  AccountInputSchema,
  DEFAULT_INCOMING_PORT,
  DEFAULT_LEAVE_ON_SERVER_DAYS,
  DEFAULT_PORT,
  DEFAULT_SAVE_SENT_COPY,
  type Account,
  type AccountInput,
  type AuthMethod,
  type IncomingProtocol,
  type Identity,
  type PinnedCertificate,
  type Security,
  providerFilesOwnCopy,
} from '../../../shared/model';
import { serverKey } from '../../../shared/server-identity';
import { fieldProblemText } from '../../../shared/error-text';

export interface WizardForm {
  description: string;
  displayName: string;
  email: string;
  password: string;
  host: string;
  port: string;
  security: Security;
  auth: AuthMethod;
  username: string;
  smtpPin: PinnedCertificate | null;
  incomingEnabled: boolean;
  /** The incoming server's sign-in; with OAuth2 on both servers one browser sign-in covers both. */
  inAuth: IncomingAuth;
  inProtocol: IncomingProtocol;
  inHost: string;
  inPort: string;
  inSecurity: Security;
  inUsername: string;
  inPassword: string;
  /** The incoming server uses the same password as the outgoing one (the usual case). */
  inSamePassword: boolean;
  inPin: PinnedCertificate | null;
  /** IMAP: file a copy of sent messages in the Sent folder; follows the provider until changed. */
  inSaveSent: boolean;
  /** POP3: days downloaded messages stay on the server ('forever', or a number of days; '0' deletes once downloaded). */
  inLeaveDays: LeaveDays;
  signature: string;
  identities: Identity[];
  /** The bundled provider file discovery used ('gmail', ...), for provider-specific app-password help. */
  providerId: string | undefined;
  /** How this provider signs in with OAuth2: from discovery's offer, or from the account being edited. */
  oauthProvider: OAuthProvider | null;
  /** The client ID this copy of Mailwright ships for the provider; null: the person needs their own. */
  shippedClientId: string | null;
  /** "Use my own client ID" (under Advanced) and the ID typed there. */
  useOwnClientId: boolean;
  ownClientId: string;
  /** The OAuth2 settings saved with the account being edited (its grant is in main's secret store). */
  savedOAuth: OAuthSettings | null;
  /** A browser sign-in done in this wizard: its session goes with the check and the save. */
  signIn: WizardSignIn | null;
  /** Server fields the person set by hand: a lookup that answers later never overwrites them. */
  typed: Partial<Record<ServerField, true>>;
  /** Fields the person typed in themselves; others follow their defaults. */
  touched: { port: boolean; username: boolean; description: boolean; inPort: boolean; inUsername: boolean; inSaveSent: boolean };
}

export type IncomingAuth = 'password' | 'oauth2';

/** The server settings discovery fills in; once the person sets one by hand it is theirs. */
export const SERVER_FIELDS = ['host', 'port', 'security', 'auth', 'username', 'incomingEnabled', 'inProtocol', 'inHost', 'inPort', 'inSecurity', 'inUsername', 'inAuth'] as const;
export type ServerField = (typeof SERVER_FIELDS)[number];
const isServerField = (field: string): field is ServerField => (SERVER_FIELDS as readonly string[]).includes(field);

export interface WizardSignIn {
  /** oauth:signIn's session id: the grant waiting in main for accounts:verify and accounts:save. */
  session: string;
  clientId: string;
  ownClientId: boolean;
  /** The address given to the provider as login hint (the sign-in result does not name the account). */
  email: string;
}

export const LEAVE_DAYS = ['0', '7', '14', '30', '90', 'forever'] as const;
export type LeaveDays = (typeof LEAVE_DAYS)[number];
/** The choice closest to what is stored; a number the list does not offer shows as the default. */
const leaveDaysOf = (days: number | null | undefined): LeaveDays => {
  const fallback = LEAVE_DAYS.find((d) => d === String(DEFAULT_LEAVE_ON_SERVER_DAYS)) ?? '14';
  return days === null ? 'forever' : (LEAVE_DAYS.find((d) => d === String(days ?? DEFAULT_LEAVE_ON_SERVER_DAYS)) ?? fallback);
};

export const emptyForm = (): WizardForm => ({
  description: '',
  displayName: '',
  email: '',
  password: '',
  host: '',
  port: String(DEFAULT_PORT.tls),
  security: 'tls',
  auth: 'password',
  username: '',
  smtpPin: null,
  incomingEnabled: false,
  inAuth: 'password',
  inProtocol: 'imap',
  inHost: '',
  inPort: String(DEFAULT_INCOMING_PORT.imap.tls),
  inSecurity: 'tls',
  inUsername: '',
  inPassword: '',
  inSamePassword: true,
  inPin: null,
  inSaveSent: DEFAULT_SAVE_SENT_COPY,
  inLeaveDays: leaveDaysOf(DEFAULT_LEAVE_ON_SERVER_DAYS),
  signature: '',
  identities: [],
  providerId: undefined,
  oauthProvider: null,
  shippedClientId: null,
  useOwnClientId: false,
  ownClientId: '',
  savedOAuth: null,
  signIn: null,
  typed: {},
  touched: { port: false, username: false, description: false, inPort: false, inUsername: false, inSaveSent: false },
});

export const formFromAccount = (a: Account): WizardForm => ({
  ...emptyForm(),
  description: a.description,
  displayName: a.displayName,
  email: a.email,
  host: a.smtp.host,
  port: String(a.smtp.port),
  security: a.smtp.security,
  auth: a.smtp.auth,
  username: a.smtp.username,
  smtpPin: a.smtp.pinnedCertificate ?? null,
  signature: a.signature,
  identities: a.identities,
  ...(a.oauth ? oauthFromAccount(a.oauth) : {}),
  ...(a.incoming
    ? {
        incomingEnabled: true,
        inAuth: a.incoming.auth,
        inProtocol: a.incoming.protocol,
        inHost: a.incoming.host,
        inPort: String(a.incoming.port),
        inSecurity: a.incoming.security,
        inUsername: a.incoming.username,
        inPin: a.incoming.pinnedCertificate ?? null,
        inSaveSent: a.incoming.saveSentCopy,
        inLeaveDays: leaveDaysOf(a.incoming.leaveOnServerDays),
        inSamePassword: false,
      }
    : {}),
  touched: { port: true, username: true, description: true, inPort: true, inUsername: true, inSaveSent: true },
});

/** The provider part of saved OAuth2 settings (without the client ID fields). */
export function providerOf(settings: OAuthProvider): OAuthProvider {
  const { id, name, issuer, authorizationEndpoint, tokenEndpoint, scopes } = settings;
  return { id, name, issuer, authorizationEndpoint, tokenEndpoint, scopes };
}

function oauthFromAccount(o: OAuthSettings): Partial<WizardForm> {
  return {
    oauthProvider: providerOf(o),
    // The shipped client ID the account was saved with; signing in again asks main for the current one.
    shippedClientId: o.ownClientId ? null : o.clientId,
    useOwnClientId: o.ownClientId,
    ownClientId: o.ownClientId ? o.clientId : '',
    savedOAuth: o,
  };
}

type TextField = 'signature' | 'description' | 'displayName' | 'email' | 'password' | 'host' | 'port' | 'username' | 'inHost' | 'inPort' | 'inUsername' | 'inPassword';

export type WizardEdit =
  | { field: TextField; value: string }
  | { field: 'security' | 'inSecurity'; value: Security }
  | { field: 'auth'; value: AuthMethod }
  | { field: 'inAuth'; value: IncomingAuth }
  | { field: 'useOwnClientId'; value: boolean }
  | { field: 'ownClientId'; value: string }
  | { field: 'signIn'; value: WizardSignIn | null }
  | { field: 'inProtocol'; value: IncomingProtocol }
  | { field: 'inLeaveDays'; value: LeaveDays }
  | { field: 'incomingEnabled' | 'inSamePassword' | 'inSaveSent'; value: boolean }
  | { field: 'smtpPin' | 'inPin'; value: PinnedCertificate | null }
  | { field: 'identity'; index: number; value: Partial<Omit<Identity, 'id'>> }
  | { field: 'addIdentity'; id: string }
  | { field: 'removeIdentity'; index: number };

/** Applies one edit, with the defaults a person expects: ports follow the security until typed. */
export function applyEdit(form: WizardForm, edit: WizardEdit): WizardForm {
  const next: WizardForm = { ...form, touched: { ...form.touched }, typed: isServerField(edit.field) ? { ...form.typed, [edit.field]: true } : form.typed };
  switch (edit.field) {
    case 'security':
      next.security = edit.value;
      if (!form.touched.port) next.port = String(DEFAULT_PORT[edit.value]);
      return next;
    case 'inSecurity':
      next.inSecurity = edit.value;
      if (!form.touched.inPort) next.inPort = String(DEFAULT_INCOMING_PORT[form.inProtocol][edit.value]);
      return next;
    case 'inProtocol':
      next.inProtocol = edit.value;
      if (!form.touched.inPort) next.inPort = String(DEFAULT_INCOMING_PORT[edit.value][form.inSecurity]);
      return next;
    case 'email':
      next.email = edit.value;
      if (!form.touched.username) next.username = edit.value.trim();
      if (!form.touched.inUsername) next.inUsername = edit.value.trim();
      if (!form.touched.description) next.description = edit.value.trim();
      return next;
    case 'host':
      // A different server means a different certificate: a pin never carries over.
      next.host = edit.value;
      next.smtpPin = null;
      if (!form.touched.inSaveSent) next.inSaveSent = !providerFilesOwnCopy(edit.value);
      return next;
    case 'inLeaveDays':
      next.inLeaveDays = edit.value;
      return next;
    case 'inSaveSent':
      next.inSaveSent = edit.value;
      next.touched.inSaveSent = true;
      return next;
    case 'inHost':
      next.inHost = edit.value;
      next.inPin = null;
      return next;
    case 'port':
    case 'username':
    case 'description':
    case 'inPort':
    case 'inUsername':
      next[edit.field] = edit.value;
      next.touched[edit.field] = edit.value !== '';
      return next;
    case 'auth':
      // One browser sign-in covers both servers, so the incoming server follows a switch to or from OAuth2.
      next.auth = edit.value;
      if (edit.value === 'oauth2') next.inAuth = 'oauth2';
      else if (form.auth === 'oauth2' && form.inAuth === 'oauth2') next.inAuth = 'password';
      return next;
    case 'inAuth':
      next.inAuth = edit.value;
      return next;
    case 'useOwnClientId':
    case 'ownClientId':
      // A sign-in made with another client ID does not fit the new choice: sign in again.
      if (edit.field === 'useOwnClientId') next.useOwnClientId = edit.value;
      else next.ownClientId = edit.value;
      if (clientChoice(next) !== clientChoice(form)) next.signIn = null;
      return next;
    case 'signIn':
      next.signIn = edit.value;
      return next;
    case 'incomingEnabled':
    case 'inSamePassword':
      next[edit.field] = edit.value;
      return next;
    case 'smtpPin':
    case 'inPin':
      next[edit.field] = edit.value;
      return next;
    case 'identity':
      next.identities = form.identities.map((i, n) => (n === edit.index ? { ...i, ...edit.value } : i));
      return next;
    case 'addIdentity':
      next.identities = [...form.identities, { id: edit.id, name: form.displayName, email: '', signature: '' }];
      return next;
    case 'removeIdentity':
      next.identities = form.identities.filter((_, n) => n !== edit.index);
      return next;
    default:
      next[edit.field] = edit.value;
      return next;
  }
}

/** Fills the server fields from discovery: the first outgoing candidate we can use, and the first incoming one. */
export function applyDiscovery(form: WizardForm, result: DiscoveryResult): WizardForm {
  const offer = result.oauth;
  // Discovery marks a server 'oauth2' only when Mailwright can sign in there (a client ID is shipped);
  // then the form starts on OAuth2. Without the provider's OAuth2 details it cannot, so password first.
  const usable = (list: ServerCandidate[]) =>
    (offer ? list.find((c) => c.auth === 'oauth2') : undefined) ?? list.find((c) => c.auth === 'password') ?? list.find((c) => c.auth !== 'oauth2') ?? list[0];
  const smtp = usable(result.smtp);
  const incoming = usable(result.incoming);
  let next: WizardForm = {
    ...form,
    touched: { ...form.touched },
    providerId: result.providerId,
    oauthProvider: offer?.provider ?? null,
    shippedClientId: offer?.shippedClientId ?? null,
    signIn: null,
  };
  if (smtp) {
    const auth = smtp.auth === 'oauth2' && offer ? 'oauth2' : smtp.auth === 'none' ? 'none' : 'password';
    next = { ...next, host: smtp.host, port: String(smtp.port), security: smtp.security, auth, smtpPin: null };
    if (!next.touched.inSaveSent) next.inSaveSent = !providerFilesOwnCopy(smtp.host);
    next.username = smtp.username || form.email.trim();
    next.touched.port = true;
    next.touched.username = true;
  } else {
    next = { ...next, ...bestGuess(form.email) };
  }
  if (incoming && (incoming.protocol === 'imap' || incoming.protocol === 'pop3')) {
    next = {
      ...next,
      incomingEnabled: true,
      inAuth: incoming.auth === 'oauth2' && offer ? 'oauth2' : 'password',
      inProtocol: incoming.protocol,
      inHost: incoming.host,
      inPort: String(incoming.port),
      inSecurity: incoming.security,
      inUsername: incoming.username || form.email.trim(),
      inPin: null,
    };
    next.touched.inPort = true;
    next.touched.inUsername = true;
  }
  return keepTyped(form, next);
}

/**
 * What the person set by hand stays as they set it: a lookup that answers after they started on the
 * form (or that they went back to run again) fills only the fields they left alone. A server's
 * trusted certificate goes with its host.
 */
function keepTyped(form: WizardForm, found: WizardForm): WizardForm {
  const next: WizardForm = { ...found, typed: form.typed };
  const mine = next as unknown as Record<ServerField, unknown>;
  for (const field of SERVER_FIELDS) if (form.typed[field]) mine[field] = form[field];
  if (form.typed.host) next.smtpPin = form.smtpPin;
  if (form.typed.inHost) next.inPin = form.inPin;
  if (form.typed.port) next.touched.port = form.touched.port;
  if (form.typed.username) next.touched.username = form.touched.username;
  if (form.typed.inPort) next.touched.inPort = form.touched.inPort;
  if (form.typed.inUsername) next.touched.inUsername = form.touched.inUsername;
  return next;
}

/** Discovery found settings to show as a summary (else the full form is shown to fill in). */
export const foundSettings = (result: DiscoveryResult) => result.source !== null && result.source !== 'guess' && result.smtp.length > 0;

/** When nothing is found: smtp.<domain> with implicit TLS, the most common modern setup. */
export function bestGuess(email: string): Pick<WizardForm, 'host' | 'port' | 'security' | 'auth' | 'username'> {
  const domain = email.split('@')[1]?.trim().toLowerCase() ?? '';
  return { host: domain ? `smtp.${domain}` : '', port: String(DEFAULT_PORT.tls), security: 'tls', auth: 'password', username: email.trim() };
}

export type FieldErrors = Partial<Record<string, string>>;

const portOf = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN);

/** Validates with the same schema main uses; returns the contract's input or the field errors. */
export function toAccountInput(form: WizardForm): { ok: true; value: AccountInput } | { ok: false; errors: FieldErrors } {
  const parsed = AccountInputSchema.safeParse({
    description: form.description,
    email: form.email,
    displayName: form.displayName,
    smtp: {
      host: form.host,
      port: portOf(form.port),
      security: form.security,
      auth: form.auth,
      // XOAUTH2 and OAUTHBEARER name the user too, so an OAuth2 server keeps its username.
      username: form.auth === 'none' ? '' : form.username,
      ...(form.smtpPin ? { pinnedCertificate: form.smtpPin } : {}),
    },
    incoming: form.incomingEnabled
      ? {
          protocol: form.inProtocol,
          auth: form.inAuth,
          host: form.inHost,
          port: portOf(form.inPort),
          security: form.inSecurity,
          username: form.inUsername,
          saveSentCopy: form.inProtocol === 'imap' && form.inSaveSent,
          leaveOnServerDays: form.inLeaveDays === 'forever' ? null : Number(form.inLeaveDays),
          ...(form.inPin ? { pinnedCertificate: form.inPin } : {}),
        }
      : null,
    signature: form.signature,
    identities: form.identities,
    oauth: usesOAuth(form) ? oauthSettingsOf(form) : null,
  });
  if (parsed.success) return { ok: true, value: parsed.data };
  return { ok: false, errors: fieldErrors(parsed.error.issues.map((i) => ({ path: i.path.join('.'), problem: i.code === 'custom' ? i.message : i.code }))) };
}

/**
 * Whether the saved passwords of the account being edited still serve the servers in the form.
 * Main gives a stored password only to the server it was typed for (shared/server-identity.ts),
 * so once the host, port, security or username (or the incoming protocol) changes, the password
 * field asks for it again instead of offering to keep the saved one.
 */
export function savedPasswordsApply(form: WizardForm, account: Account | undefined): { smtp: boolean; incoming: boolean } {
  if (!account) return { smtp: false, incoming: false };
  const smtp =
    account.hasPassword &&
    form.auth === 'password' &&
    account.smtp.auth === 'password' &&
    serverKey({ protocol: 'smtp', host: form.host, port: form.port, security: form.security, username: form.username }) === serverKey({ protocol: 'smtp', ...account.smtp });
  const incoming =
    account.hasIncomingPassword &&
    account.incoming !== null &&
    account.incoming.auth === 'password' &&
    form.incomingEnabled &&
    form.inAuth === 'password' &&
    serverKey({ protocol: form.inProtocol, host: form.inHost, port: form.inPort, security: form.inSecurity, username: form.inUsername }) === serverKey(account.incoming);
  return { smtp, incoming };
}

/** The passwords to send with a verify or save request: only those typed. */
export function typedPasswords(form: WizardForm): { password?: string; incomingPassword?: string } {
  const out: { password?: string; incomingPassword?: string } = {};
  if (form.auth === 'password' && form.password) out.password = form.password;
  if (form.incomingEnabled && form.inAuth === 'password') {
    const incoming = incomingSharesPassword(form) ? form.password : form.inPassword;
    if (incoming) out.incomingPassword = incoming;
  }
  return out;
}

/** "Same password as the outgoing server" holds only while the outgoing server has one. */
export const incomingSharesPassword = (form: WizardForm) => form.inSamePassword && form.auth === 'password';

/** Either server signs in with OAuth2. */
export const usesOAuth = (form: WizardForm) => form.auth === 'oauth2' || (form.incomingEnabled && form.inAuth === 'oauth2');

/** The client ID the person chose: their own (typed), or '' for the one shipped with Mailwright. */
const clientChoice = (form: WizardForm) => (form.useOwnClientId ? form.ownClientId.trim() : '');

/**
 * The OAuth2 settings to save: those of a sign-in made in this wizard, else the account's saved ones
 * while the client ID choice still matches them. null: the person must sign in first.
 */
export function oauthSettingsOf(form: WizardForm): OAuthSettings | null {
  if (form.signIn && form.oauthProvider) {
    return { ...form.oauthProvider, clientId: form.signIn.clientId, ownClientId: form.signIn.ownClientId };
  }
  const saved = form.savedOAuth;
  if (!saved) return null;
  const savedChoice = saved.ownClientId ? saved.clientId : '';
  return savedChoice === clientChoice(form) ? saved : null;
}

/** What accounts:verify and accounts:save take besides the account: the session of a sign-in made here. */
export function oauthSessionOf(form: WizardForm): { oauthSession?: string } {
  return usesOAuth(form) && form.signIn ? { oauthSession: form.signIn.session } : {};
}

/**
 * Why the browser sign-in cannot start yet, in words shown before the person clicks; null when it can.
 * (The sign-in itself is main's: this only says what is missing on this side.)
 */
export function signInBlocker(form: WizardForm): string | null {
  const provider = form.oauthProvider;
  if (!provider) {
    return 'Mailwright does not know how this provider signs in through the browser. Go back and use “Find my settings” for your address, or choose “Normal password”.';
  }
  if (!form.shippedClientId && !clientChoice(form)) {
    return `This copy of Mailwright has no sign-in registration for ${provider.name}. Enter your organisation’s client ID under Advanced, or use an app password if your provider offers one.`;
  }
  return null;
}

/** The oauth:signIn request for the form (without its runId), or null while signInBlocker says why not. */
export function signInRequestOf(form: WizardForm): Omit<RequestOf<'oauth:signIn'>, 'runId'> | null {
  if (signInBlocker(form) || !form.oauthProvider) return null;
  const own = clientChoice(form);
  const email = form.email.trim();
  return { provider: form.oauthProvider, ...(own ? { ownClientId: own } : {}), ...(email ? { loginHint: email } : {}) };
}

const SPECIFIC: Record<string, string> = {
  email: 'Enter an email address like name@example.com.',
  'smtp.host': 'Enter a server name like smtp.example.com, without "smtp://" or a port.',
  'smtp.port': 'Enter a port number from 1 to 65535.',
  'incoming.host': 'Enter a server name like imap.example.com, without "imap://" or a port.',
  'incoming.port': 'Enter a port number from 1 to 65535.',
};

export function fieldErrors(fields: Array<{ path: string; problem: string }>): FieldErrors {
  const errors: FieldErrors = {};
  for (const { path, problem } of fields) {
    if (errors[path]) continue;
    errors[path] =
      path === 'oauth'
        ? 'Sign in with your browser first.'
        : problem === 'required' || problem === 'too_small'
          ? fieldProblemText(problem)
          : (SPECIFIC[path] ?? fieldProblemText(problem));
  }
  return errors;
}

/**
 * After a failed check, the field each failed stage points at, with a word on what to look at there
 * (the stage's own explanation and the server's reply stay in the check below, said once). Stages
 * with no field of their own (a certificate, listing folders) add nothing: the check shows them.
 */
export function checkProblems(report: VerifyReport, form: WizardForm): FieldErrors {
  const errors: FieldErrors = {};
  const set = (path: string, text: string) => (errors[path] ??= text);
  // In the order the check shows them (sending first): a password both servers refused is the sending server's problem first.
  for (const stage of inReportOrder(report.stages)) {
    if (stage.status !== 'failed') continue;
    const incoming = stage.protocol !== 'smtp';
    switch (stage.name) {
      case 'connect':
      case 'greeting':
      case 'ehlo':
        set(incoming ? 'incoming.host' : 'smtp.host', 'Check the server name and port: the check below could not get an answer from this server.');
        break;
      case 'auth':
        if (form.auth === 'password') set('password', 'Check the password: the server did not accept it (see the check below).');
        break;
      case 'login':
        if (form.inAuth === 'password') {
          if (incomingSharesPassword(form)) set('password', 'Check the password: the incoming server did not accept it (see the check below).');
          else set('incomingPassword', 'Check the password: the incoming server did not accept it (see the check below).');
        }
        break;
      case 'envelope':
        set('email', 'The outgoing server did not accept this address as the sender (see the check below).');
        break;
      default:
        break;
    }
  }
  return errors;
}
