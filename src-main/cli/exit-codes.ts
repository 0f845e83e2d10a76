/**
 * The command line's exit codes: one table, shown by `mailwright --help` and in the README, and
 * asserted by the tests. Like swaks, a failing check says by its code which stage failed, so a
 * script can tell "the server is down" from "the password is wrong" without reading the words.
 */
import type { StageName } from '../../shared/verify';

export const EXIT = {
  /** Everything asked for worked: the check passed, the message was sent, the sandbox stopped cleanly. */
  OK: 0,
  /** Something unexpected inside Mailwright (a bug): the words say what. */
  INTERNAL: 1,
  /** The command line itself is wrong: unknown option, missing value, bad --fault spec. */
  USAGE: 2,
  /** Check: the server could not be reached (name not found, connection refused, timed out). */
  CONNECT: 10,
  /** Check: TLS failed (untrusted, expired or mismatched certificate; STARTTLS not offered). */
  TLS: 11,
  /** Check: the server's greeting or its answer to EHLO was a refusal or never came. */
  GREETING: 12,
  /** Check: the server refused the user name and password (or the sign-in). */
  AUTH: 13,
  /** Check: the server refused MAIL FROM or RCPT TO. */
  ENVELOPE: 14,
  /** Check of an account's incoming server: the mailbox could not be listed after signing in. */
  MAILBOX: 15,
  /** No account of the app matches --account (or more than one does). */
  ACCOUNT_NOT_FOUND: 20,
  /** The account's password cannot be used here: none saved, unreadable, or kept by the OS keychain while the app is closed. */
  SECRET_UNAVAILABLE: 21,
  /** Send: the server refused the message for good (the words quote the server). */
  SEND_REFUSED: 22,
  /** Send: the connection ended after the message went out and before the server answered: it may have been sent. */
  SEND_UNCERTAIN: 23,
  /** Send: queued in the outbox, but not sent yet when the command stopped waiting (it will be retried). */
  SEND_PENDING: 24,
  /** The app's data folder is in use by another Mailwright that did not take the job (or did not answer in time). */
  DATA_LOCKED: 25,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The table as `mailwright --help` and the README print it. */
export const EXIT_CODE_TABLE: ReadonlyArray<readonly [ExitCode, string]> = [
  [EXIT.OK, 'success'],
  [EXIT.INTERNAL, 'unexpected failure inside Mailwright'],
  [EXIT.USAGE, 'wrong command line (unknown option, missing value, bad --fault)'],
  [EXIT.CONNECT, 'check: server not reached (DNS, refused, timeout)'],
  [EXIT.TLS, 'check: TLS or certificate refused, or STARTTLS not offered'],
  [EXIT.GREETING, 'check: greeting or EHLO refused or missing'],
  [EXIT.AUTH, 'check: user name or password refused'],
  [EXIT.ENVELOPE, 'check: MAIL FROM or RCPT TO refused'],
  [EXIT.MAILBOX, 'check: incoming mailbox could not be listed'],
  [EXIT.ACCOUNT_NOT_FOUND, 'no such account (or more than one matches)'],
  [EXIT.SECRET_UNAVAILABLE, 'password not usable here (none saved, unreadable, or in the OS keychain while the app is closed)'],
  [EXIT.SEND_REFUSED, 'send: refused by the server'],
  [EXIT.SEND_UNCERTAIN, 'send: may have been sent (no answer after the message went out)'],
  [EXIT.SEND_PENDING, 'send: queued, not sent yet (the outbox retries it)'],
  [EXIT.DATA_LOCKED, 'the data folder is in use and the running app did not take the job'],
];

/** The exit code for a check whose first failed stage is `stage`. */
export function exitForStage(stage: StageName): ExitCode {
  switch (stage) {
    case 'connect':
      return EXIT.CONNECT;
    case 'tls':
      return EXIT.TLS;
    case 'greeting':
    case 'ehlo':
      return EXIT.GREETING;
    case 'auth':
    case 'login':
      return EXIT.AUTH;
    case 'envelope':
      return EXIT.ENVELOPE;
    case 'list':
    case 'stat':
      return EXIT.MAILBOX;
    case 'close':
      return EXIT.INTERNAL;
  }
}

export function exitCodeTableText(): string {
  return EXIT_CODE_TABLE.map(([code, words]) => `  ${String(code).padStart(3)}  ${words}`).join('\n');
}
