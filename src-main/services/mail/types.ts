/**
 * One account's incoming mail, whatever the protocol. The IMAP source works on the server's
 * folders and UIDs; the POP3 source downloads into Mailwright's own local folders (Inbox, Trash)
 * and numbers messages itself. The mail service (./index.ts) picks one per account and parses
 * what `source()` returns; the IPC handlers never see a protocol.
 */
import type { Folder, MailChanged, MailStatus, MessagePage } from '../../../shared/mail';
import type { Result } from '../../../shared/result';
import type { Logger } from '../logger';
import type { StoredAccount } from '../settings-store';
import type { Credential, CredentialSource } from '../credentials';

export type SearchField = 'from' | 'subject' | 'either';

export interface MailSource {
  folders(): Promise<Result<Folder[]>>;
  /** Newest first; offset 0 is the newest message. */
  list(folder: string, offset: number, limit: number): Promise<Result<MessagePage>>;
  /** Server-side search (IMAP SEARCH FROM / SUBJECT; POP3: over the local index). Newest first. */
  search(folder: string, query: string, field: SearchField, limit: number): Promise<Result<MessagePage>>;
  /** The message's raw RFC 5322 bytes. MESSAGE_NOT_FOUND when it is gone. */
  source(folder: string, uid: number): Promise<Result<Buffer>>;
  setFlags(folder: string, uids: number[], flags: { seen?: boolean; flagged?: boolean; answered?: boolean }): Promise<Result<{ updated: number }>>;
  move(folder: string, uids: number[], to: string): Promise<Result<{ moved: number }>>;
  /** To the Trash folder; in the Trash (or when there is none), deleted for good. */
  delete(folder: string, uids: number[]): Promise<Result<{ deleted: number; permanently: boolean }>>;
  /** Check for new mail now: POP3 downloads; IMAP reconnects if it is down and reports what arrived. */
  refresh(): Promise<Result<{ newMessages: number }>>;
  /**
   * Inbox messages that arrived after `after` (same UIDVALIDITY and a higher UID; when UIDVALIDITY
   * changed or `after` is null, those that arrived on or after `startAt`), looked at `max` at a time,
   * oldest first. Only the ones whose headers look like a delivery report (looksLikeDeliveryReport)
   * come with their raw bytes: the bounce scanner never downloads ordinary mail. It remembers
   * `uidValidity` and `lastUid` (the highest UID looked at) for the next call.
   */
  inboxSince(
    after: { uidValidity: string; uid: number } | null,
    max: number,
    startAt?: Date,
  ): Promise<Result<{ uidValidity: string; lastUid: number; messages: Array<{ uid: number; source: Buffer }>; more: boolean }>>;
  /** After sleep or a network change: drop connections that may be dead and connect again now. */
  wake(): void;
  /** Closes connections and timers; the source is not used again. */
  close(): Promise<void>;
}

export interface MailSourceContext extends CredentialSource {
  account: StoredAccount;
  /**
   * Read when a connection is made (the person may change the password meanwhile; an access token
   * is fetched or refreshed here). Undefined: no password stored (PASSWORD_MISSING).
   */
  credential: () => Promise<Result<Credential | undefined>>;
  /**
   * The server refused `credential` (AUTHENTICATIONFAILED, -ERR [AUTH]): an access token is dropped,
   * so the next credential() refreshes. True when one more attempt with a fresh one can help.
   */
  refused: (credential: Credential) => boolean;
  /** Extra CAs (tests' throwaway CA; none in the app). */
  extraCertificateAuthorities: readonly string[];
  onChange: (change: MailChanged) => void;
  onStatus: (status: MailStatus) => void;
  logger: Logger;
  now?: () => number;
}
