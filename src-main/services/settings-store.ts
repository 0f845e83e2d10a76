/**
 * Account settings: one schema and one set of migrations, used by electron-store in the app and by
 * conf on a given folder where Electron is absent (tests, the e2e bridge). electron-store extends
 * conf, so both satisfy `SettingsStore`. The JSON schema forbids unknown keys on an account, so a
 * password can never be written into this file, even by mistake.
 */
import Conf, { type Options } from 'conf';
import { makeFilePrivateSync, makePrivateFolderSync, PRIVATE_FILE_MODE } from './durable-files';
import type { Identity, IncomingSettings, SmtpSettings } from '../../shared/model';

export interface StoredAccount {
  id: string;
  description: string;
  email: string;
  displayName: string;
  smtp: SmtpSettings;
  incoming: IncomingSettings | null;
  signature: string;
  identities: Identity[];
  createdAt: string;
  updatedAt: string;
}

export type Settings = {
  accounts: StoredAccount[];
  preferences: { undoSeconds: number };
};

/** The part of conf / electron-store this project uses. */
export interface SettingsStore {
  get<K extends keyof Settings>(key: K): Settings[K];
  set<K extends keyof Settings>(key: K, value: Settings[K]): void;
  readonly path: string;
}

const pinnedCertificateJsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['sha256', 'pem'],
  properties: { sha256: { type: 'string' }, pem: { type: 'string' } },
} as const;

const securityJsonSchema = { enum: ['tls', 'starttls', 'none'] } as const;

const accountJsonSchema = {
  type: 'object',
  additionalProperties: false,
  // 'incoming' is not required so that a 0.1.0 file still loads; the 0.2.0 migration adds it.
  required: ['id', 'description', 'email', 'displayName', 'smtp', 'createdAt', 'updatedAt'],
  properties: {
    id: { type: 'string' },
    description: { type: 'string' },
    email: { type: 'string' },
    displayName: { type: 'string' },
    createdAt: { type: 'string' },
    updatedAt: { type: 'string' },
    smtp: {
      type: 'object',
      additionalProperties: false,
      required: ['host', 'port', 'security', 'auth', 'username'],
      properties: {
        host: { type: 'string' },
        port: { type: 'integer', minimum: 1, maximum: 65535 },
        security: securityJsonSchema,
        auth: { enum: ['password', 'none'] },
        username: { type: 'string' },
        pinnedCertificate: pinnedCertificateJsonSchema,
      },
    },
    signature: { type: 'string' },
    identities: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'name', 'email', 'signature'],
        properties: { id: { type: 'string' }, name: { type: 'string' }, email: { type: 'string' }, signature: { type: 'string' } },
      },
    },
    incoming: {
      oneOf: [
        { type: 'null' },
        {
          type: 'object',
          additionalProperties: false,
          required: ['protocol', 'host', 'port', 'security', 'username'],
          properties: {
            protocol: { enum: ['imap', 'pop3'] },
            host: { type: 'string' },
            port: { type: 'integer', minimum: 1, maximum: 65535 },
            security: securityJsonSchema,
            username: { type: 'string' },
            pinnedCertificate: pinnedCertificateJsonSchema,
            saveSentCopy: { type: 'boolean' },
            leaveOnServerDays: { type: ['integer', 'null'], minimum: 0, maximum: 3650 },
          },
        },
      ],
    },
  },
} as const;

export const SETTINGS_FILE_NAME = 'settings';

/** Options shared by electron-store (app) and conf (plain Node). */
export function settingsOptions(projectVersion: string): Options<Settings> {
  return {
    configName: SETTINGS_FILE_NAME,
    projectName: 'mailwright',
    projectVersion,
    clearInvalidConfig: false,
    // conf writes 0666 less the umask (0644: readable by every user) unless told.
    configFileMode: PRIVATE_FILE_MODE,
    schema: {
      accounts: { type: 'array', items: accountJsonSchema, default: [] },
      preferences: {
        type: 'object',
        additionalProperties: false,
        properties: { undoSeconds: { type: 'integer', minimum: 0, maximum: 60 } },
        default: { undoSeconds: 5 },
      },
    } as Options<Settings>['schema'],
    defaults: { accounts: [], preferences: { undoSeconds: 5 } },
    migrations: {
      // The first released layout. Later versions add steps here; conf runs each once, in order.
      '0.1.0': (store) => {
        if (!Array.isArray(store.get('accounts'))) store.set('accounts', []);
      },
      // 0.2.0: accounts gain an optional incoming server.
      '0.2.0': (store) => {
        const accounts = store.get('accounts') as Array<Omit<StoredAccount, 'incoming'> & { incoming?: IncomingSettings | null }>;
        store.set(
          'accounts',
          accounts.map((a) => ({ ...a, incoming: a.incoming ?? null })),
        );
      },
    },
  };
}

/** The settings in `folder`, without Electron. */
export function openSettingsInFolder(folder: string, projectVersion: string): SettingsStore {
  makePrivateFolderSync(folder);
  const store = new Conf<Settings>({ ...settingsOptions(projectVersion), cwd: folder });
  makeFilePrivateSync(store.path); // written by an earlier version with conf's default mode
  return store;
}
