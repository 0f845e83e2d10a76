/** How an account signs in, in words for the account list; pure, so it is tested on its own. */
import type { Account, AuthMethod } from '../../../shared/model';
import type { OutboxJobView } from '../../../shared/outbox';

type AccountSignIn = Pick<Account, 'smtp' | 'incoming' | 'oauth'>;

const methodWords = (method: AuthMethod, a: AccountSignIn) =>
  method === 'oauth2' ? `browser sign-in (OAuth2) with ${a.oauth?.name ?? 'the provider'}` : method === 'none' ? 'no sign-in' : 'password';

/** "Signs in with: password", or per server when the two differ. */
export function signInMethodText(a: AccountSignIn): string {
  const sending = methodWords(a.smtp.auth, a);
  if (!a.incoming || a.incoming.auth === a.smtp.auth) return `Signs in with: ${sending}`;
  return `Signs in with: ${sending} for sending, ${methodWords(a.incoming.auth, a)} for reading`;
}

/** An OAuth2 account whose grant main can no longer use: the person must sign in again. */
export const needsSignInAgain = (a: Pick<Account, 'oauth' | 'signedIn'>) => a.oauth !== null && !a.signedIn;

type PasswordState = Pick<Account, 'smtp' | 'incoming' | 'hasPassword' | 'hasIncomingPassword'>;
const sendingNeedsPassword = (a: PasswordState) => a.smtp.auth === 'password' && !a.hasPassword;
const readingNeedsPassword = (a: PasswordState) => a.incoming !== null && a.incoming.auth === 'password' && !a.hasIncomingPassword;

/**
 * A password account whose saved password main cannot read (SECRET_UNREADABLE: the OS keychain was
 * reset, its prompt denied, the profile moved to another computer): the person types it again.
 * Main never lists a password account without its password otherwise (a save without one is refused).
 */
export const needsPasswordAgain = (a: PasswordState) => sendingNeedsPassword(a) || readingNeedsPassword(a);

export function passwordAgainText(a: PasswordState): string {
  const which = sendingNeedsPassword(a) && readingNeedsPassword(a) ? 'saved passwords' : sendingNeedsPassword(a) ? 'saved password for sending' : 'saved password for reading mail';
  return `Password needs to be entered again: the ${which} could not be read. Choose Edit and type it again.`;
}

/** Messages of this account waiting in the outbox for the person to sign in again. */
export const waitingForSignIn = (accountId: string, jobs: OutboxJobView[]) => jobs.filter((j) => j.accountId === accountId && j.state === 'signin').length;

export function signInAgainText(a: Pick<Account, 'oauth'>, waiting: number): string {
  const provider = a.oauth?.name ?? 'Your provider';
  return `Sign in again: ${provider} no longer accepts Mailwright’s sign-in for this account. ${
    waiting ? 'Messages for it are waiting.' : 'Messages for it wait until you have.'
  }`;
}
