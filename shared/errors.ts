/**
 * The one table of stable error codes that cross the process boundary.
 * Services translate library errors into these codes; the renderer turns each code into
 * words for people (shared/error-text.ts). The descriptions here are for developers.
 */
export const ERROR_CODES = {
  // Contract and routing
  CANCELLED: 'The operation was cancelled.',
  UNKNOWN_CHANNEL: 'The channel is not part of the IPC contract.',
  UNTRUSTED_SENDER: "The request did not come from the app's own window and main frame.",
  INVALID_REQUEST: 'The request did not match the schema of its channel; the handler did not run.',
  INTERNAL: 'An unexpected failure inside the main process; details are in the main-process log.',
  // Accounts and secrets
  ACCOUNT_NOT_FOUND: 'No account with that id exists.',
  PASSWORD_MISSING: 'The account uses password authentication but no password is stored.',
  SECRET_UNREADABLE: 'A stored password could not be decrypted (key lost or data damaged).',
  SETTINGS_UNWRITABLE: 'The settings file could not be written.',
  // OAuth2 sign-in (system browser, loopback redirect)
  SIGN_IN_REQUIRED: 'The account signs in with OAuth2 and holds no usable grant (revoked, expired, never signed in, or its servers changed): sign in again.',
  OAUTH_CLIENT_MISSING: 'No OAuth2 client ID is configured for this provider: none shipped with this build and none of the person\'s own.',
  SIGN_IN_CANCELLED: 'The person cancelled the browser sign-in.',
  SIGN_IN_TIMEOUT: 'No answer came back from the browser sign-in within 5 minutes.',
  SIGN_IN_REPLACED: 'A newer sign-in was started, which ended this one.',
  SIGN_IN_DENIED: 'The person declined to give Mailwright access on the provider\'s page (error=access_denied).',
  SIGN_IN_ADMIN_APPROVAL: 'The organisation requires an administrator to approve Mailwright first (AADSTS65001, admin_consent_required).',
  SIGN_IN_BLOCKED_BY_POLICY: 'The organisation\'s policy blocks this app (Google admin_policy_enforced, Microsoft AADSTS53003 and similar).',
  SIGN_IN_FAILED: 'The provider\'s answer could not be used (state or issuer mismatch, code refused at the token endpoint, malformed reply).',
  // Drafts and outbox
  DRAFT_NOT_FOUND: 'No saved draft with that id.',
  DRAFT_UNWRITABLE: 'The draft could not be saved (disk full or not writable).',
  JOB_NOT_FOUND: 'No outbox job with that id.',
  JOB_NOT_ALLOWED: 'That action does not apply to the job in its current state (e.g. undo while sending).',
  OUTBOX_UNWRITABLE: 'The message could not be stored in the outbox (disk full or not writable).',
  ATTACHMENT_TOO_LARGE: 'A dropped file is larger than Mailwright accepts, or sent more data than announced.',
  ATTACHMENT_UNREADABLE: 'An attached file could not be read when the message was built.',
  SMTPUTF8_UNSUPPORTED: 'An address needs SMTPUTF8 (non-ASCII before the @) and the server does not offer it.',
  OUTBOX_RECORD_DAMAGED: "An outbox job's record was damaged; it was rebuilt from the stored message and waits for the person (never sent on its own).",
  OUTBOX_MESSAGE_DAMAGED: 'The stored message file of an outbox job does not match the size or SHA-256 recorded at enqueue; it was not sent.',
  UPLOAD_NOT_FOUND: 'No dropped-file upload with that id is in progress (never begun, already finished, or from before a restart).',
  // Mail merge
  MERGE_NOT_FOUND: 'No merge with that id is open (closed, or from before a restart): open the data again.',
  MERGE_DATA_UNREADABLE: 'The data could not be read as a table (empty, no header row, or not text).',
  MERGE_TOO_MANY_ROWS: 'The data has more rows than one merge may send (MERGE_ROWS_MAX).',
  MERGE_COLUMN_UNKNOWN: 'The mapping or the template names a column the data does not have (detail.fields names it).',
  MERGE_TEMPLATE_INVALID: 'A template could not be read (detail.fields: the part, and the text near the mistake).',
  MERGE_NOTHING_TO_SEND: 'No row can be sent: every row was left out or has a warning that stops it.',
  MERGE_NOT_TESTED: 'The real send was asked for before a test of this template ("send the first N to me") was queued.',
  MERGE_UNSUBSCRIBE_MISSING: 'A merge this large has no unsubscribe address or link, and the person did not say to send without one.',
  // The sandbox (issue 15)
  SANDBOX_UNAVAILABLE: 'The sandbox\'s capture server is not running (it could not start: detail says why).',
  SANDBOX_MESSAGE_NOT_FOUND: 'No captured message with that id (cleared or deleted meanwhile).',
  SANDBOX_ACCOUNT_FIXED: 'The Sandbox account cannot be edited or removed (it can be hidden).',
  // Reading mail
  NO_INCOMING_SERVER: 'The account has no incoming (IMAP or POP3) server set up.',
  FOLDER_NOT_FOUND: 'No folder with that path on the server (renamed or deleted meanwhile).',
  MESSAGE_NOT_FOUND: 'The message is no longer in that folder (moved or deleted, here or elsewhere).',
  MAILBOX_IN_USE: 'The POP3 mailbox is locked by another client ([IN-USE], RFC 2449).',
  FILE_UNWRITABLE: 'A file could not be written where the person chose to save it.',
  // Reaching the server
  HOST_NOT_FOUND: 'The server name does not resolve in DNS.',
  CONNECTION_REFUSED: 'Nothing accepts connections on that host and port.',
  CONNECTION_TIMEOUT: 'The server did not answer in time.',
  CONNECTION_LOST: 'The connection closed or failed in the middle of the conversation.',
  HOST_UNREACHABLE: 'The server address is known but no route leads there (EHOSTUNREACH, ENETUNREACH).',
  // TLS
  TLS_UNTRUSTED_CERTIFICATE: 'The server certificate is not signed by a trusted authority.',
  TLS_CERTIFICATE_EXPIRED: 'The server certificate has expired or is not yet valid.',
  TLS_CERTIFICATE_CHANGED: 'The server shows a certificate other than the one the person pinned for it, and no trusted authority signed the new one.',
  TLS_HOSTNAME_MISMATCH: 'The server certificate is for another host name.',
  TLS_HANDSHAKE_FAILED: 'The TLS handshake failed (wrong port for the chosen security, or protocol mismatch).',
  STARTTLS_UNAVAILABLE: 'STARTTLS was required but the server did not offer it.',
  // SMTP replies
  AUTH_FAILED: 'The server rejected the username or password (535 and similar).',
  AUTH_REQUIRED: 'The server requires authentication before sending (530).',
  AUTH_UNAVAILABLE: 'The server offers no authentication method we can use, or none over this connection.',
  APP_PASSWORD_REQUIRED: 'The provider wants an app-specific password (Gmail 534 5.7.9).',
  SMTP_AUTH_DISABLED: 'SMTP sign-in is switched off for this mailbox (Microsoft 535 5.7.139).',
  SMTP_AUTH_DISABLED_FOR_ORG: 'SMTP sign-in is switched off for the whole organisation (Microsoft 535 5.7.3 "SmtpClientAuthentication is disabled for the Tenant").',
  BASIC_AUTH_UNSUPPORTED: 'The server no longer accepts passwords for sending, only OAuth2 (Microsoft 550 5.7.30).',
  ENCRYPTION_REQUIRED: 'The server requires encryption for this authentication (538).',
  SEND_AS_DENIED: 'The account may not send as this From address (Microsoft 5.7.60, 553 5.7.1).',
  SERVER_REFUSES_MAIL: 'The server does not accept mail at all (521, 556).',
  PROTOCOL_ERROR: 'The server did not understand a command or its parameters (500-504).',
  SENDER_REFUSED: 'The server refused the sender address (MAIL FROM).',
  RECIPIENTS_REFUSED: 'The server refused every recipient (RCPT TO).',
  MESSAGE_REFUSED: 'The server refused the message content (after DATA).',
  MESSAGE_TOO_LARGE: 'The message is larger than the server accepts (552 / SIZE).',
  SERVER_BUSY: 'The server answered with a temporary failure (4xx); trying later may work.',
  SERVER_NOT_ANSWERING: 'The server refused the connection or did not answer, though it has worked for this account before: it is down for now, not misconfigured.',
  SERVER_ERROR: 'The server answered with a permanent failure not covered above.',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

export const ERROR_CODE_LIST = Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]];

/** "550 5.1.1 <x@y>: Recipient address rejected" -> "5.1.1" (RFC 3463). */
export function enhancedStatusOf(reply: string | undefined): string | undefined {
  return reply?.match(/^[245]\d\d[ -]([245]\.\d{1,3}\.\d{1,3})\b/)?.[1];
}
