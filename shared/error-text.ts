/**
 * Error codes into words for people, in one place: what happened and what to try. The server's own
 * reply is shown beneath, because it is what a provider's support will ask for. In shared/ because
 * both the renderer and the mailwright command line (src-main/cli/) print them.
 */
import type { ServerProtocol } from './discovery';
import type { ErrorCode } from './errors';
import { DEFAULT_INCOMING_PORT } from './model';
import type { AppError } from './result';

interface Explanation {
  title: string;
  advice: string;
}

const TEXT: Record<ErrorCode, Explanation> = {
  CANCELLED: { title: 'Stopped.', advice: 'Nothing was changed.' },
  UNKNOWN_CHANNEL: { title: 'Mailwright could not do that.', advice: 'Restart Mailwright. If it keeps happening, please report it.' },
  UNTRUSTED_SENDER: { title: 'That request was blocked for your safety.', advice: 'Restart Mailwright.' },
  INVALID_REQUEST: { title: 'Some fields need attention.', advice: 'Check the highlighted fields and try again.' },
  INTERNAL: { title: 'Something went wrong inside Mailwright.', advice: 'Try again. If it keeps happening, restart Mailwright and report it.' },
  ACCOUNT_NOT_FOUND: { title: 'That account no longer exists.', advice: 'Choose another account, or add it again.' },
  PASSWORD_MISSING: { title: 'This account has no password saved.', advice: 'Edit the account and enter its password.' },
  SECRET_UNREADABLE: {
    title: 'The saved password for this account could not be read.',
    advice: 'Edit the account and enter the password again.',
  },
  SIGN_IN_REQUIRED: {
    title: 'This account needs you to sign in again.',
    advice: 'Your provider no longer accepts Mailwright’s sign-in for it (it was revoked, expired, or the servers changed). Choose “Sign in again”: messages waiting for it go out once you have.',
  },
  OAUTH_CLIENT_MISSING: {
    title: 'This copy of Mailwright has no sign-in registration for this provider.',
    advice: 'Use an app password if your provider offers them, or enter your organisation’s own client ID under “Use my own client ID”.',
  },
  SIGN_IN_CANCELLED: { title: 'Sign-in cancelled.', advice: 'Nothing was saved. Choose “Sign in with your browser” to try again.' },
  SIGN_IN_TIMEOUT: {
    title: 'The sign-in took longer than 5 minutes, so Mailwright stopped waiting.',
    advice: 'Choose “Sign in with your browser” again and finish the steps on the provider’s page.',
  },
  SIGN_IN_REPLACED: { title: 'You started a new sign-in, so this one was stopped.', advice: 'Finish the newest sign-in in your browser.' },
  SIGN_IN_DENIED: {
    title: 'Access was not allowed on the provider’s page.',
    advice: 'Mailwright needs permission to send and read mail for this account. Sign in again and choose Accept, or use another way to sign in.',
  },
  SIGN_IN_ADMIN_APPROVAL: {
    title: 'Your organisation’s administrator must approve Mailwright first.',
    advice: 'Send your administrator the text below, then sign in again once they have approved it.',
  },
  SIGN_IN_BLOCKED_BY_POLICY: {
    title: 'Your organisation’s policy blocks Mailwright from signing in.',
    advice: 'Only your administrator can allow it. Send them the text below.',
  },
  SIGN_IN_FAILED: {
    title: 'The provider’s answer could not be used, so you are not signed in.',
    advice: 'Try signing in again. If it keeps happening, the provider settings may be wrong; the details are in Mailwright’s log.',
  },
  SETTINGS_UNWRITABLE: {
    title: 'Mailwright could not save its settings.',
    advice: 'Check that the disk is not full and that Mailwright may write to its data folder, then try again.',
  },
  DRAFT_NOT_FOUND: { title: 'That draft no longer exists.', advice: 'It may have been sent or deleted.' },
  DRAFT_UNWRITABLE: {
    title: 'Your draft could not be saved.',
    advice: 'Check that the disk is not full. Keep this window open: what you typed is still here.',
  },
  NO_INCOMING_SERVER: {
    title: 'This account only sends mail.',
    advice: 'To read replies and bounces here, edit the account and add its IMAP or POP3 server.',
  },
  FOLDER_NOT_FOUND: { title: 'That folder is no longer on the server.', advice: 'It may have been renamed or deleted elsewhere. The folder list has been reloaded.' },
  MESSAGE_NOT_FOUND: { title: 'That message is no longer in this folder.', advice: 'It may have been moved or deleted on another device.' },
  MAILBOX_IN_USE: {
    title: 'Another program is reading this mailbox right now.',
    advice: 'The server lets one program at a time download mail. Close the other mail program, or wait a minute; Mailwright will try again.',
  },
  SANDBOX_UNAVAILABLE: {
    title: 'The sandbox is not running.',
    advice: 'Mailwright could not start it on this computer. Restart Mailwright; if it still does not start, the log in the data folder says why.',
  },
  SANDBOX_MESSAGE_NOT_FOUND: { title: 'That message is no longer in the sandbox.', advice: 'It was deleted or the sandbox was cleared meanwhile.' },
  SANDBOX_ACCOUNT_FIXED: {
    title: 'The Sandbox account cannot be changed or removed.',
    advice: 'It is built in and keeps what it sends on this computer. To have it out of the way, hide it on the Accounts page.',
  },
  MERGE_NOT_FOUND: { title: 'That merge is no longer open.', advice: 'Mailwright forgets data that was left for a while or before a restart. Open the file or paste the rows again.' },
  MERGE_DATA_UNREADABLE: {
    title: 'The data could not be read as a table.',
    advice: 'Use a CSV or TSV file (as a spreadsheet saves it) whose first row names the columns and which has at least one row below it.',
  },
  MERGE_TOO_MANY_ROWS: { title: 'The data has too many rows for one merge.', advice: 'Split it into files of at most 50,000 rows and send them as separate merges.' },
  MERGE_COLUMN_UNKNOWN: { title: 'A field names a column the data does not have.', advice: 'Check the spelling of each {{Column}} against the column names, or choose the column again.' },
  MERGE_TEMPLATE_INVALID: {
    title: 'A field in the message could not be read.',
    advice: 'Write fields as {{Column}}, {{Column|fallback}} or {{#if Column}}…{{/if}}, with two braces on each side.',
  },
  MERGE_NOTHING_TO_SEND: { title: 'No row can be sent.', advice: 'Every row was left out or has a problem that stops it. The preview and the list of left-out rows say why.' },
  MERGE_NOT_TESTED: { title: 'Send a test to yourself first.', advice: 'Use “Send the first ones to me” with this very message, check them, then send the merge.' },
  MERGE_UNSUBSCRIBE_MISSING: {
    title: 'This merge has no way to unsubscribe.',
    advice: 'Large providers refuse bulk mail without one. Give an unsubscribe address or link, or confirm that you want to send without one.',
  },
  FILE_UNWRITABLE: { title: 'The file could not be saved there.', advice: 'Choose another folder, or check that the disk is not full.' },
  JOB_NOT_FOUND: { title: 'That message is no longer in the outbox.', advice: 'It may have been removed or sent already.' },
  JOB_NOT_ALLOWED: {
    title: 'That is not possible for this message any more.',
    advice: 'A message that has started sending cannot be taken back; the outbox shows where it is now.',
  },
  OUTBOX_UNWRITABLE: {
    title: 'Mailwright cannot write to its data folder, so it could not store the message to send it.',
    advice: 'Check that the disk is not full and that the data folder is writable, then press Send again. Your message is still in the editor.',
  },
  ATTACHMENT_TOO_LARGE: {
    title: 'That file is too large to attach.',
    advice: 'Share large files by link instead; most mail servers refuse messages over 25 MB.',
  },
  ATTACHMENT_UNREADABLE: {
    title: 'An attached file could not be read.',
    advice: 'It may have been moved or deleted. Remove it from the message and attach it again.',
  },
  OUTBOX_RECORD_DAMAGED: {
    title: 'This message’s record was damaged; check it before sending.',
    advice: 'Mailwright could not tell whether it was already sent, so it will not send it by itself. Check the recipients and your Sent folder, then send it, mark it as arrived, or open it as a draft.',
  },
  OUTBOX_MESSAGE_DAMAGED: {
    title: 'The stored copy of this message is damaged; it was not sent.',
    advice: 'Open it as a draft to check it and send it again, or delete it.',
  },
  UPLOAD_NOT_FOUND: {
    title: 'That dropped file did not arrive.',
    advice: 'Drop the file onto the message again.',
  },
  SMTPUTF8_UNSUPPORTED: {
    title: 'An address has non-English characters before the @, and this server cannot send to such addresses.',
    advice: 'Ask the recipient for another address, or send through a server that supports international addresses (SMTPUTF8).',
  },
  HOST_NOT_FOUND: {
    title: 'The server name could not be found.',
    advice: 'Check the spelling of the outgoing server name (for example smtp.example.com) and your internet connection.',
  },
  CONNECTION_REFUSED: {
    title: 'The server refused the connection on that port.',
    advice: 'Check the port: 465 is usual for SSL/TLS, 587 for STARTTLS. Your network may also block outgoing mail ports.',
  },
  SERVER_NOT_ANSWERING: {
    title: 'The server is not answering right now; Mailwright will retry.',
    advice: 'It has worked for this account before, so your settings are fine: the server or the network on the way is down for the moment. Nothing for you to change.',
  },
  CONNECTION_TIMEOUT: {
    title: 'The server did not answer in time.',
    advice: 'Check the server name and port, and whether a firewall or your network blocks mail ports. Then try again.',
  },
  CONNECTION_LOST: {
    title: 'The connection to the server was lost.',
    advice: 'Try again. If it keeps happening, check the connection security: the server may expect SSL/TLS on this port.',
  },
  HOST_UNREACHABLE: {
    title: 'The server cannot be reached from this network.',
    advice: 'Check your internet connection, and any VPN or firewall. If other sites work, the server may be down; try again later.',
  },
  TLS_UNTRUSTED_CERTIFICATE: {
    title: "The server's certificate is not from an authority your computer trusts.",
    advice: 'Check the server name. If you expect this certificate, ask your provider for a trusted one; Mailwright will not send your password to a server it cannot verify.',
  },
  TLS_CERTIFICATE_CHANGED: {
    title: 'The server now shows a different certificate from the one you trusted.',
    advice: 'It may have been renewed, or someone may be listening in between. Check the account to compare both fingerprints with the one your provider or administrator gives you before trusting the new one; until then Mailwright sends nothing there.',
  },
  TLS_CERTIFICATE_EXPIRED: {
    title: "The server's certificate has expired (or is not valid yet).",
    advice: "Check your computer's date and time. If they are right, tell your mail provider their certificate has expired.",
  },
  TLS_HOSTNAME_MISMATCH: {
    title: 'The server presented a certificate for a different name.',
    advice: "Use the server name your provider documents (the name on its certificate), not an alias or IP address.",
  },
  TLS_HANDSHAKE_FAILED: {
    title: 'A secure connection could not be set up.',
    advice: 'Check that the connection security matches the port: SSL/TLS on 465, STARTTLS on 587.',
  },
  STARTTLS_UNAVAILABLE: {
    title: 'The server does not offer STARTTLS on this port.',
    advice: 'Try SSL/TLS on port 465. Mailwright will not send your password without encryption.',
  },
  AUTH_FAILED: {
    title: 'The server did not accept your username or password.',
    advice: 'Check both. Many providers need an app password when two-step verification is on, and some need SMTP sending enabled for the mailbox.',
  },
  AUTH_REQUIRED: {
    title: 'The server requires you to sign in before sending.',
    advice: 'Edit the account and choose "Normal password" authentication with your username and password.',
  },
  AUTH_UNAVAILABLE: {
    title: 'The server offers no sign-in method Mailwright can use here.',
    advice: 'Choose SSL/TLS or STARTTLS security: most servers only allow sign-in over an encrypted connection.',
  },
  APP_PASSWORD_REQUIRED: {
    title: 'Your provider wants an app password, not your normal password.',
    advice: 'With two-step verification on (as Gmail requires), create an app password in your account’s security settings and use it here.',
  },
  SMTP_AUTH_DISABLED: {
    title: 'Sending from mail apps is switched off for this mailbox.',
    advice: 'Your Microsoft 365 administrator must enable “Authenticated SMTP” for this mailbox (or for the organisation).',
  },
  SMTP_AUTH_DISABLED_FOR_ORG: {
    title: 'Sending from mail apps is switched off for your whole organisation.',
    advice: 'Only your Microsoft 365 administrator can change this. Send them the text below, or sign in with your browser (OAuth2) if they allow it.',
  },
  BASIC_AUTH_UNSUPPORTED: {
    title: 'This server no longer accepts passwords for sending.',
    advice: 'Choose “Sign in with your browser (OAuth2)” for this account.',
  },
  ENCRYPTION_REQUIRED: {
    title: 'The server only accepts your password over an encrypted connection.',
    advice: 'Choose SSL/TLS (port 465) or STARTTLS (port 587).',
  },
  SEND_AS_DENIED: {
    title: 'This account is not allowed to send as this address.',
    advice: 'Use the address that belongs to the account you sign in with, or ask your administrator for “Send As” permission.',
  },
  SERVER_REFUSES_MAIL: {
    title: 'This server does not accept mail.',
    advice: 'Check the outgoing server name: it may be a web or incoming-only server.',
  },
  PROTOCOL_ERROR: {
    title: 'The server did not understand a request from Mailwright.',
    advice: 'Check the port and security. If they are right, send the details below to your provider’s support.',
  },
  SENDER_REFUSED: {
    title: 'The server refused to send from this address.',
    advice: 'Check the email address of the account: most servers only let you send as your own address.',
  },
  RECIPIENTS_REFUSED: {
    title: 'The server refused the recipients.',
    advice: 'Check the addresses for typos. The server’s reply below says why.',
  },
  MESSAGE_REFUSED: {
    title: 'The server refused the message.',
    advice: 'The server’s reply below says why; spam filters sometimes refuse certain content or attachments.',
  },
  MESSAGE_TOO_LARGE: {
    title: 'The message is larger than the server accepts.',
    advice: 'Remove or shrink attachments, or share large files by link.',
  },
  SERVER_BUSY: {
    title: 'The server is temporarily unable to take the message.',
    advice: 'Nothing is wrong with your settings. Try again in a few minutes.',
  },
  SERVER_ERROR: {
    title: 'The server refused the request.',
    advice: 'The server’s reply below says why. If it is unclear, send it to your provider’s support.',
  },
};

/**
 * An error as its notice shows it: without the server's reply when the list of refused recipients
 * beneath already shows those very words, so no reply is printed twice.
 */
export function errorToShow(error: AppError, refused: ReadonlyArray<{ serverReply: string }>): AppError {
  const reply = error.detail?.serverReply?.trim();
  if (!reply || !refused.some((r) => r.serverReply.trim() === reply)) return error;
  // The list explains each refusal's enhanced code beside its reply, so the notice does not repeat that either.
  const detail = { ...error.detail };
  delete detail.serverReply;
  delete detail.enhancedStatus;
  return { ...error, detail };
}

/** The title of a pinned certificate that has changed: exactly that, with the day it was trusted when known. */
export function certificateChangedText(host: string, trustedAt: string | undefined): string {
  const day = trustedAt && !Number.isNaN(Date.parse(trustedAt)) ? new Date(trustedAt).toLocaleDateString(undefined, { dateStyle: 'long' }) : '';
  return `${host} now shows a different certificate from the one you trusted${day ? ` on ${day}` : ''}. It may have been renewed, or someone may be listening in between.`;
}

/**
 * The words above speak of sending (ports 465 and 587, "outgoing server", SMTP sending switched
 * off). A failure of the incoming server gets its own where the advice differs, with its own ports.
 */
function incomingText(code: ErrorCode, protocol: 'imap' | 'pop3'): Explanation | undefined {
  const name = protocol === 'imap' ? 'IMAP' : 'POP3';
  const { tls, starttls } = DEFAULT_INCOMING_PORT[protocol];
  switch (code) {
    case 'HOST_NOT_FOUND':
      return { title: TEXT.HOST_NOT_FOUND.title, advice: `Check the spelling of the incoming server name (for example ${protocol}.example.com) and your internet connection.` };
    case 'CONNECTION_REFUSED':
      return {
        title: TEXT.CONNECTION_REFUSED.title,
        advice: `Check the port: for ${name}, ${tls} is usual for SSL/TLS and ${starttls} for STARTTLS. Your network may also block mail ports.`,
      };
    case 'TLS_HANDSHAKE_FAILED':
      return { title: TEXT.TLS_HANDSHAKE_FAILED.title, advice: `Check that the connection security matches the port: SSL/TLS on ${tls}, STARTTLS on ${starttls}.` };
    case 'STARTTLS_UNAVAILABLE':
      return { title: 'The server does not offer STARTTLS on this port.', advice: `Try SSL/TLS on port ${tls}. Mailwright will not send your password without encryption.` };
    case 'ENCRYPTION_REQUIRED':
      return { title: TEXT.ENCRYPTION_REQUIRED.title, advice: `Choose SSL/TLS (port ${tls}) or STARTTLS (port ${starttls}).` };
    case 'AUTH_FAILED':
      return {
        title: 'The incoming server did not accept your username or password.',
        advice: `Check both: the username is often your whole email address. Many providers need an app password when two-step verification is on, and some need ${name} access switched on for the mailbox.`,
      };
    case 'AUTH_UNAVAILABLE':
      return { title: 'The incoming server offers no sign-in method Mailwright can use here.', advice: TEXT.AUTH_UNAVAILABLE.advice };
    case 'PROTOCOL_ERROR':
      return { title: `The server did not answer as an ${name} server.`, advice: `Check the incoming server name, port and security: the port may belong to another kind of server.` };
    default:
      return undefined;
  }
}

/** The words for an error; `protocol` when it is known which server failed (the incoming one gets its own advice). */
export function explain(error: AppError, protocol?: ServerProtocol): Explanation {
  const incoming = protocol === 'imap' || protocol === 'pop3' ? incomingText(error.code, protocol) : undefined;
  return incoming ?? TEXT[error.code] ?? TEXT.INTERNAL;
}

/** Field-level problems, from the shared schemas' issue kinds, in words. */
export function fieldProblemText(problem: string): string {
  switch (problem) {
    case 'required':
    case 'too_small':
      return 'Required.';
    case 'single_line':
      return 'Must be on one line.';
    case 'too_big':
      return 'Too long.';
    case 'invalid_format':
      return 'This does not look right; check the format.';
    default:
      return 'Check this value.';
  }
}

/**
 * RFC 3463 enhanced status codes ("5.1.1") in words: class (2/4/5) is already in the title, so
 * this says what the subject and detail mean. The commonest ones by name, the rest by subject.
 */
const ENHANCED_DETAIL: Record<string, string> = {
  '1.1': 'the mailbox does not exist',
  '1.2': 'the recipient’s domain does not exist or does not take mail',
  '1.3': 'the recipient address is malformed',
  '1.6': 'the mailbox has moved',
  '1.7': 'the sender address is malformed',
  '1.8': 'the sender’s domain does not exist or does not take mail',
  '1.10': 'the recipient’s domain publishes that it takes no mail (null MX)',
  '2.1': 'the mailbox is disabled',
  '2.2': 'the mailbox is full',
  '2.3': 'the message is larger than this mailbox accepts',
  '3.4': 'the message is larger than the server accepts',
  '4.4': 'the server could not route the message',
  '4.7': 'the message waited too long and expired',
  '5.1': 'the server did not recognise a command',
  '5.3': 'there are too many recipients',
  '7.0': 'a security policy refused the request',
  '7.1': 'the server’s policy refused this sender, recipient or message',
  '7.8': 'the username or password is wrong',
  '7.9': 'the sign-in method is too weak for this server (an app password may be needed)',
  '7.11': 'encryption is required',
  '7.57': 'the client did not sign in before sending',
  '7.60': 'the account may not send as this address',
  '7.139': 'SMTP sign-in is switched off, for this mailbox or for the whole organisation',
};
const ENHANCED_SUBJECT: Record<string, string> = {
  '1': 'a problem with an address',
  '2': 'a problem with the recipient’s mailbox',
  '3': 'a problem with the receiving mail system',
  '4': 'a network or routing problem',
  '5': 'a protocol problem',
  '6': 'a problem with the message content',
  '7': 'a security or policy refusal',
};

export function enhancedStatusText(code: string | undefined): string | null {
  const m = code?.match(/^([245])\.(\d{1,3})\.(\d{1,3})$/);
  if (!m) return null;
  const [, klass, subject, detail] = m;
  const meaning = ENHANCED_DETAIL[`${subject}.${detail}`] ?? ENHANCED_SUBJECT[subject!] ?? 'an unlisted reason';
  const kind = klass === '4' ? 'temporary' : klass === '5' ? 'permanent' : 'success';
  return `Reason ${code} (${kind}): ${meaning}.`;
}
