/**
 * After a message is sent, file a copy in the account's IMAP Sent folder: the folder with the
 * \Sent special-use flag (RFC 6154), else one named like a Sent folder, else a new "Sent". The
 * Message-ID is searched first, so a copy is never filed twice (a retry, a restart, a provider
 * that files its own copy).
 */
import { readFile } from 'node:fs/promises';
import { fail, ok, type Result } from '../../shared/result';
import type { StoredAccount } from './settings-store';
import type { CredentialSource } from './credentials';
import { closeImap, imapError, openImap } from './mail/imap-connection';

const SENT_NAMES = /^(sent|sent items|sent messages|sent mail|gesendet|envoy[ée]s|enviados)$/i;

export interface SentCopyResult {
  mailbox: string;
  /** The Message-ID was already in the folder; nothing was added. */
  alreadyThere: boolean;
}

export async function fileSentCopy(
  input: { account: StoredAccount; credentials: CredentialSource; emlPath: string; messageId: string },
  options: { extraCertificateAuthorities?: readonly string[]; timeoutMs?: number } = {},
): Promise<Result<SentCopyResult>> {
  const incoming = input.account.incoming;
  if (!incoming || incoming.protocol !== 'imap') return fail('INVALID_REQUEST');
  const opened = await openImap(
    {
      account: input.account,
      credential: () => input.credentials.credential(),
      refused: (credential) => input.credentials.refused(credential),
      extraCertificateAuthorities: options.extraCertificateAuthorities ?? [],
    },
    { timeoutMs: options.timeoutMs ?? 20_000, socketTimeoutMs: 60_000 },
  );
  if (!opened.ok) return opened;
  const client = opened.value;
  try {
    const folders = await client.list();
    const sent = folders.find((f) => f.specialUse === '\\Sent') ?? folders.find((f) => SENT_NAMES.test(f.name));
    const path = sent?.path ?? 'Sent';
    if (!sent) await client.mailboxCreate(path);
    const lock = await client.getMailboxLock(path);
    try {
      const found = await client.search({ header: { 'message-id': input.messageId } }, { uid: true });
      if (found && found.length > 0) return ok({ mailbox: path, alreadyThere: true });
      // imapflow appends from memory; the .eml is the exact bytes that were sent.
      await client.append(path, await readFile(input.emlPath), ['\\Seen']);
      return ok({ mailbox: path, alreadyThere: false });
    } finally {
      lock.release();
    }
  } catch (error) {
    // The same judgement as every other IMAP failure: a dropped connection is CONNECTION_LOST,
    // a refused APPEND is SERVER_ERROR with the server's words.
    return { ok: false, error: imapError(error) };
  } finally {
    await closeImap(client);
  }
}
