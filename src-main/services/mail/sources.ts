/**
 * One MailSource per account with an incoming server (IMAP or POP3), made when first needed and
 * made again when the account's incoming settings change. A replaced source is closed in the
 * background; the next one for the same account waits for it before it touches the same files.
 */
import { join } from 'node:path';
import type { MailChanged, MailStatus } from '../../../shared/mail';
import { fail, ok, type Result } from '../../../shared/result';
import type { AccountService } from '../accounts';
import type { Logger } from '../logger';
import { createImapSource } from './imap-source';
import type { DamageReporter } from '../data-notices';
import { createPop3Source } from './pop3-source';
import type { MailSource, MailSourceContext } from './types';
import type { IncomingSettings } from '../../../shared/model';
import type { StoredAccount } from '../settings-store';
import { storedPassword, type CredentialSource } from '../credentials';

export interface MailSourcesOptions {
  dataDir: string;
  accounts: AccountService;
  extraCertificateAuthorities: readonly string[];
  logger: Logger;
  onChange: (change: MailChanged) => void;
  onStatus: (status: MailStatus) => void;
  /** A source was made, or reported new mail or a sync: time to look for delivery reports. */
  onInboxActivity: (accountId: string) => void;
  /** Replaces the protocol sources (tests); default: IMAP or POP3 by the account's settings. */
  createSource?: (context: MailSourceContext, dir: string) => MailSource;
  /** POP3 polling interval; default 10 minutes. */
  pop3PollMs?: number;
  /** Where a damaged POP3 index is set aside and reported. */
  notices?: DamageReporter;
  /**
   * What an account's incoming server is signed in with (the OAuth2 token service for an account
   * that signs in with a browser); default: the password stored for that very server.
   */
  incomingCredentials?: (account: StoredAccount, server: IncomingSettings) => CredentialSource;
}

interface Entry {
  source: MailSource;
  /** The incoming settings it was made for: a change makes a new source. */
  settings: string;
}

export class MailSources {
  private readonly sources = new Map<string, Entry>();
  private readonly lastStatus = new Map<string, MailStatus>();
  /** Sources replaced or removed that are still closing (a POP3 download may be finishing). */
  private readonly closing = new Map<string, Promise<void>>();
  private closed = false;

  constructor(private readonly options: MailSourcesOptions) {}

  get isClosed(): boolean {
    return this.closed;
  }

  /** Accounts were saved or deleted: drop sources whose account or incoming settings changed, start new ones. */
  accountsChanged(): void {
    for (const [id, entry] of this.sources) {
      const account = this.options.accounts.get(id);
      if (!account?.incoming || JSON.stringify(account.incoming) !== entry.settings) {
        this.sources.delete(id);
        this.lastStatus.delete(id);
        this.closeReplaced(id, entry);
      } else if (this.lastStatus.get(id)?.state === 'error') {
        // Same server, perhaps a new password: try now rather than at the next slow retry.
        entry.source.wake();
      }
    }
    // Every account with an incoming server watches its inbox (IDLE or POP3 polling) for replies and bounces.
    for (const account of this.options.accounts.list()) if (account.incoming) this.get(account.id);
  }

  /**
   * A removed account: its source is closed (as accountsChanged does) and this waits until it is,
   * so its folder can be deleted without a download still writing into it.
   */
  async forget(accountId: string): Promise<void> {
    const entry = this.sources.get(accountId);
    if (entry) {
      this.sources.delete(accountId);
      this.lastStatus.delete(accountId);
      this.closeReplaced(accountId, entry);
    }
    await this.closing.get(accountId);
  }

  /** The last status each account reported (the renderer asks when it starts; events carry the changes). */
  statuses(): MailStatus[] {
    return [...this.lastStatus.values()].filter((s) => this.sources.has(s.accountId));
  }

  /** After sleep or a network change. */
  wake(): void {
    for (const entry of this.sources.values()) entry.source.wake();
  }

  /** The account's source now, without making one. */
  current(accountId: string): MailSource | undefined {
    return this.sources.get(accountId)?.source;
  }

  /** The account's source, made when there is none yet. */
  get(accountId: string): Result<MailSource> {
    if (this.closed) return fail('CANCELLED');
    const account = this.options.accounts.get(accountId);
    if (!account) return fail('ACCOUNT_NOT_FOUND');
    if (!account.incoming) return fail('NO_INCOMING_SERVER');
    const existing = this.sources.get(accountId);
    if (existing) return ok(existing.source);
    const server = account.incoming;
    const context: MailSourceContext = {
      account,
      // Only for the server this source connects to: while a changed account replaces it, the
      // old source never gets a password typed for the new server.
      ...this.credentialsFor(account, server),
      extraCertificateAuthorities: this.options.extraCertificateAuthorities,
      onChange: (change) => {
        this.options.onChange(change);
        if (change.reason === 'new' || change.reason === 'sync') this.options.onInboxActivity(accountId);
      },
      onStatus: (status) => {
        this.lastStatus.set(status.accountId, status);
        this.options.onStatus(status);
      },
      logger: this.options.logger,
    };
    const dir = join(this.options.dataDir, 'mail', accountId);
    const source = this.options.createSource
      ? this.options.createSource(context, dir)
      : account.incoming.protocol === 'imap'
        ? createImapSource(context)
        : createPop3Source(context, {
            dir,
            ...(this.options.notices ? { notices: this.options.notices } : {}),
            ...(this.options.pop3PollMs !== undefined ? { pollMs: this.options.pop3PollMs } : {}),
            ...(this.closing.has(accountId) ? { after: this.closing.get(accountId) } : {}),
          });
    this.sources.set(accountId, { source, settings: JSON.stringify(account.incoming) });
    this.options.onInboxActivity(accountId);
    return ok(source);
  }

  /** Closes every source; `beforeClose` lets work still running on a source (a bounce scan) finish first. */
  async close(beforeClose: (source: MailSource) => Promise<void>): Promise<void> {
    this.closed = true;
    const entries = [...this.sources.values()];
    this.sources.clear();
    await Promise.all([
      ...entries.map(async (e) => {
        await beforeClose(e.source);
        await e.source.close();
      }),
      ...this.closing.values(),
    ]);
  }

  private credentialsFor(account: StoredAccount, server: IncomingSettings): CredentialSource {
    const source = this.options.incomingCredentials?.(account, server) ?? storedPassword(server.username, () => this.options.accounts.incomingPassword(account.id, server));
    return { credential: () => source.credential(), refused: (credential) => source.refused(credential) };
  }

  /** Closes a source that is no longer the account's; the next one waits for it before it touches the same files. */
  private closeReplaced(accountId: string, entry: Entry): void {
    const done: Promise<void> = entry.source
      .close()
      .catch((error: unknown) => this.options.logger.warn('mail: source did not close cleanly', { error }))
      .finally(() => {
        if (this.closing.get(accountId) === done) this.closing.delete(accountId);
      });
    this.closing.set(accountId, done);
  }
}
