import { z } from 'zod';
import { AccountCheckSchema } from './account-check';
import { OAuthSettingsSchema } from './oauth';

/** No CR or LF: these strings end up in mail headers or protocol lines. */
const singleLine = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !/[\r\n]/.test(s), { message: 'single_line' });

/** A host name (ASCII or IDN labels) or an IP literal; no scheme, port, path or spaces. */
const HOST_RE =
  /^(?:(?:[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.)*[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?\.?|\[?[0-9a-fA-F:.]+\]?)$/u;

export const HostSchema = z.string().trim().min(1).max(253).regex(HOST_RE);
export const PortSchema = z.number().int().min(1).max(65535);
export const EmailSchema = z.string().trim().max(320).pipe(z.email());

export const SECURITY = ['tls', 'starttls', 'none'] as const;
export const SecuritySchema = z.enum(SECURITY);
export type Security = z.infer<typeof SecuritySchema>;

/** The port a security choice implies, used until the person types one (RFC 8314, RFC 6409). */
export const DEFAULT_PORT: Record<Security, number> = { tls: 465, starttls: 587, none: 25 };

/** 'oauth2': a token from the provider (XOAUTH2 / OAUTHBEARER), after signing in through the system browser. */
export const AUTH_METHODS = ['password', 'oauth2', 'none'] as const;
export const AuthMethodSchema = z.enum(AUTH_METHODS);
export type AuthMethod = z.infer<typeof AuthMethodSchema>;

/** SHA-256 of a DER certificate as Node prints it: "AB:CD:...". */
export const Sha256FingerprintSchema = z.string().regex(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

/**
 * A certificate the person chose to trust for one server of one account, after seeing its details,
 * because no authority they trust vouches for it. Exactly this certificate is trusted (by SHA-256);
 * a different one is refused again. Expired certificates and wrong host names cannot be pinned.
 */
export const PinnedCertificateSchema = z.object({
  sha256: Sha256FingerprintSchema,
  /**
   * When the person trusted it (ISO), stamped by main when the account is saved with a new pin, so
   * that a changed certificate can say "from the one you trusted on ...". Pins saved before have none.
   */
  trustedAt: z.string().max(40).optional(),
  pem: z
    .string()
    .max(20_000)
    .regex(/^-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----\s*$/),
});
export type PinnedCertificate = z.infer<typeof PinnedCertificateSchema>;

/** Connections an account's lane opens when its settings do not say (sends go one after another on each). */
export const DEFAULT_SMTP_CONNECTIONS = 2;
export const MAX_SMTP_CONNECTIONS = 16;

export const SmtpSettingsSchema = z.object({
  host: HostSchema,
  port: PortSchema,
  security: SecuritySchema,
  auth: AuthMethodSchema,
  username: singleLine(320),
  pinnedCertificate: PinnedCertificateSchema.optional(),
  /**
   * How many connections the account's lane may hold open to this server at once (the outbox sends
   * message after message on each). Absent: DEFAULT_SMTP_CONNECTIONS. Raise it for bulk sending to a
   * server that allows it; providers limit how many a mailbox may hold.
   */
  maxConnections: z.number().int().min(1).max(MAX_SMTP_CONNECTIONS).optional(),
});
export type SmtpSettings = z.infer<typeof SmtpSettingsSchema>;

export const INCOMING_PROTOCOLS = ['imap', 'pop3'] as const;
export const IncomingProtocolSchema = z.enum(INCOMING_PROTOCOLS);
export type IncomingProtocol = z.infer<typeof IncomingProtocolSchema>;

/** Ports implied by protocol and security (RFC 8314 for implicit TLS). */
export const DEFAULT_INCOMING_PORT: Record<IncomingProtocol, Record<Security, number>> = {
  imap: { tls: 993, starttls: 143, none: 143 },
  pop3: { tls: 995, starttls: 110, none: 110 },
};

/** Defaults of an incoming server's options: the schema below fills them in, the wizard starts from them. */
export const DEFAULT_SAVE_SENT_COPY = true;
export const DEFAULT_LEAVE_ON_SERVER_DAYS = 14;

export const INCOMING_AUTH_METHODS = ['password', 'oauth2'] as const;

/** The incoming server, optional: an account that only sends is normal. */
export const IncomingSettingsSchema = z.object({
  protocol: IncomingProtocolSchema,
  /** Accounts saved before OAuth2 existed sign in with a password. */
  auth: z.enum(INCOMING_AUTH_METHODS).default('password'),
  host: HostSchema,
  port: PortSchema,
  security: SecuritySchema,
  username: singleLine(320).pipe(z.string().trim().min(1)),
  pinnedCertificate: PinnedCertificateSchema.optional(),
  /** IMAP only: file a copy of each sent message in the Sent folder. Off for providers that do it themselves. */
  saveSentCopy: z.boolean().default(DEFAULT_SAVE_SENT_COPY),
  /**
   * POP3 only: how long downloaded messages stay on the server, so other devices still see them.
   * null: for ever; 0: deleted once downloaded; n: deleted n days after Mailwright first downloaded them.
   */
  leaveOnServerDays: z.number().int().min(0).max(3650).nullable().default(DEFAULT_LEAVE_ON_SERVER_DAYS),
});
export type IncomingSettings = z.infer<typeof IncomingSettingsSchema>;

/** Providers that file their own copy of what is sent through their SMTP: the Sent-copy switch starts off for them. */
export function providerFilesOwnCopy(smtpHost: string): boolean {
  return /(^|\.)(gmail\.com|googlemail\.com|google\.com|office365\.com|outlook\.com|hotmail\.com|live\.com)$/i.test(smtpHost.trim());
}

/** Another From address of an account (an alias the server lets it send as), with its own signature. */
export const IdentitySchema = z.object({
  id: z.uuid(),
  name: singleLine(200).pipe(z.string().trim()),
  email: EmailSchema,
  signature: z.string().max(10_000),
});
export type Identity = z.infer<typeof IdentitySchema>;

/** What the wizard edits. The password travels separately and is never part of stored settings. */
export const AccountInputSchema = z
  .object({
    description: singleLine(100).pipe(z.string().trim().min(1)),
    email: EmailSchema,
    displayName: singleLine(200).pipe(z.string().trim()),
    smtp: SmtpSettingsSchema,
    incoming: IncomingSettingsSchema.nullable().default(null),
    /** Signature of the account's own address. */
    signature: z.string().max(10_000).default(''),
    identities: z.array(IdentitySchema).max(20).default([]),
    /** The provider and client ID of an account that signs in with OAuth2; null for password accounts. */
    oauth: OAuthSettingsSchema.nullable().default(null),
  })
  .refine((a) => a.smtp.auth === 'none' || a.smtp.username.trim().length > 0, {
    message: 'required',
    path: ['smtp', 'username'],
  })
  .refine((a) => (a.smtp.auth !== 'oauth2' && a.incoming?.auth !== 'oauth2') || a.oauth !== null, {
    message: 'required',
    path: ['oauth'],
  });
export type AccountInput = z.infer<typeof AccountInputSchema>;

export const AccountIdSchema = z.uuid();

/**
 * An account's own sending limits for mail merges (shared/merge/pace.ts): recipients in any 24 hours,
 * messages a minute; null: no limit. Defined here, with the stored account; the merge contract uses it.
 */
export const SendingLimitsSchema = z
  .object({
    recipientsPerDay: z.number().int().min(1).max(10_000_000).nullable(),
    messagesPerMinute: z.number().int().min(1).max(100_000).nullable(),
  })
  .strict();

/**
 * An account as the settings file keeps it: the one definition of the stored shape. Defaults fill
 * fields that older files lack; unknown keys are refused, so a password can never be written into
 * the settings file, even by mistake.
 */
export const StoredAccountSchema = z
  .object({
    id: AccountIdSchema,
    description: z.string(),
    email: z.string(),
    displayName: z.string(),
    smtp: SmtpSettingsSchema.strict(),
    /** Added in 0.2.0: accounts saved before have none. */
    incoming: IncomingSettingsSchema.strict().nullable().default(null),
    signature: z.string().max(10_000).default(''),
    identities: z.array(IdentitySchema.strict()).default([]),
    /** Added with OAuth2 sign-in: accounts saved before have none. */
    oauth: OAuthSettingsSchema.strict().nullable().default(null),
    createdAt: z.string(),
    updatedAt: z.string(),
    /** The last check of its servers (shared/verify.ts): absent when it was never checked with these settings. */
    lastCheck: AccountCheckSchema.optional(),
    /** Set by the person for mail merges (accounts:setSendingLimits); absent: the provider's published limits, or Mailwright's. */
    sendingLimits: SendingLimitsSchema.optional(),
  })
  .strict();
export type StoredAccount = z.infer<typeof StoredAccountSchema>;

/** Seconds a message waits in the outbox after Send, while it can be taken back, until the person chooses. */
export const DEFAULT_UNDO_SECONDS = 5;
export const UndoSecondsSchema = z.number().int().min(0).max(60);

/** How many days the outbox's history keeps a finished message (null: for ever). */
export const HistoryRetentionSchema = z.number().int().min(1).max(36_500).nullable();
export const DEFAULT_HISTORY_RETENTION_DAYS = 365;

export const PreferencesSchema = z
  .object({
    undoSeconds: UndoSecondsSchema.default(DEFAULT_UNDO_SECONDS),
    historyRetentionDays: HistoryRetentionSchema.default(DEFAULT_HISTORY_RETENTION_DAYS),
    /** The built-in Sandbox account is hidden from the account list and From menus (issue 15; never deleted). */
    sandboxHidden: z.boolean().default(false),
  })
  .strict();
export type Preferences = z.infer<typeof PreferencesSchema>;

/** The settings file (settings.json); conf keeps its own bookkeeping beside these keys. */
export const SettingsSchema = z.object({
  accounts: z.array(StoredAccountSchema).default([]),
  preferences: PreferencesSchema.prefault({}),
});
export type Settings = z.infer<typeof SettingsSchema>;

/** An account as the renderer sees it. */
export const AccountSchema = StoredAccountSchema.extend({
  /** Whether a password is in the secret store; the password itself never leaves main. */
  hasPassword: z.boolean(),
  hasIncomingPassword: z.boolean(),
  /**
   * OAuth2 accounts: a grant (refresh token) is stored for the account's servers. False means
   * "Sign in again": revoked, expired, never signed in, or the servers changed since.
   */
  signedIn: z.boolean(),
  /**
   * The built-in Sandbox account (shared/sandbox.ts): not stored, cannot be edited or removed; what it
   * sends is kept by the sandbox on this computer and never leaves it.
   */
  sandbox: z.boolean().optional(),
});
export type Account = z.infer<typeof AccountSchema>;

export const PasswordSchema = z.string().min(1).max(1024);

export const SecretProtectionSchema = z.object({
  /** 'os': the operating system's keychain encrypts passwords. 'app-key': it cannot, so Mailwright
   * encrypts them with a key kept in its own data folder, readable by anyone who can read that folder. */
  kind: z.enum(['os', 'app-key']),
  /** The OS facility in use, e.g. "keychain", "dpapi", "gnome_libsecret"; or why it is unavailable. */
  backend: z.string(),
});
export type SecretProtection = z.infer<typeof SecretProtectionSchema>;

export const AppInfoSchema = z.object({
  version: z.string(),
  platform: z.string(),
  secretProtection: SecretProtectionSchema,
  /** Seconds a message waits in the outbox after Send, while it can be taken back. */
  undoSeconds: UndoSecondsSchema,
  /** Days the outbox's history keeps a finished message; null: for ever. */
  historyRetentionDays: HistoryRetentionSchema,
});
export type AppInfo = z.infer<typeof AppInfoSchema>;
