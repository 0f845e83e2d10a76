/**
 * OAuth2 client registrations: which client ID Mailwright signs in with at each provider.
 *
 * Client IDs are deployment data, not source. A packager registers a Mailwright app with Microsoft
 * and Google (README: "Signing in with Microsoft and Google (OAuth2)") and `npm run package` writes
 * the IDs into `oauth-clients.json` (scripts/write-oauth-clients.mjs), which electron-builder ships
 * as an extra resource next to app.asar. A build without IDs ships a file with no entries: the app
 * works, and the wizard says that no client ID is configured (the person can use their own, or an
 * app password where the provider has them).
 *
 * Google's "Desktop app" clients come with a client secret that is not secret (Google's own words:
 * installed apps cannot keep one); it is kept beside the ID here, never in settings.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../logger';

/** The file name, in the app's resources folder (electron-builder `extraResources`). */
export const OAUTH_CLIENTS_FILE = 'oauth-clients.json';

/** Larger than any real registration file (a few hundred bytes). */
const MAX_FILE_BYTES = 64 * 1024;

export const OAuthClientRegistrationSchema = z
  .object({
    clientId: z.string().trim().min(1).max(500),
    clientSecret: z.string().trim().min(1).max(500).optional(),
  })
  .strict();
export type OAuthClientRegistration = z.infer<typeof OAuthClientRegistrationSchema>;

/** `{ "microsoft": { "clientId": "…" }, "google": { "clientId": "…", "clientSecret": "…" } }`, keyed by provider id (or issuer). */
export const OAuthClientsFileSchema = z.record(z.string().min(1).max(500), OAuthClientRegistrationSchema);

export interface OAuthRegistrations {
  /** The client for a provider id ('microsoft', 'google', or an issuer for a provider known from its config file). */
  forProvider(providerId: string): OAuthClientRegistration | undefined;
  /** The provider ids that have a client, for the log at start-up. */
  providerIds(): string[];
}

/** The environment variables `npm run package` and a development run read. */
export const OAUTH_CLIENT_ENV = {
  microsoft: { clientId: 'MAILWRIGHT_MICROSOFT_CLIENT_ID' },
  google: { clientId: 'MAILWRIGHT_GOOGLE_CLIENT_ID', clientSecret: 'MAILWRIGHT_GOOGLE_CLIENT_SECRET' },
} as const;

export interface LoadRegistrationsOptions {
  /** The shipped registration file; absent or missing: no shipped clients (a development run). */
  file?: string;
  /** MAILWRIGHT_MICROSOFT_CLIENT_ID etc.; they win over the file (a development run, or a test). */
  env?: NodeJS.ProcessEnv;
  /** Registrations given directly, e.g. by tests: `{ [issuer]: { clientId: 'mailwright-test' } }`; they win over both. */
  entries?: Record<string, OAuthClientRegistration>;
  /** Where a damaged file is reported (never its content: it may hold a client secret). */
  logger?: Logger;
}

/**
 * Where the main process finds the shipped file: `resourcesDir` is Electron's
 * `process.resourcesPath` in a packaged app (electron-builder copies out/oauth-clients.json to
 * resources/oauth-clients.json). Not importing electron keeps this testable in plain Node.
 */
export function defaultRegistrationsFile(resourcesDir: string): string {
  return path.join(resourcesDir, OAUTH_CLIENTS_FILE);
}

/** Reads the file; a missing file is "no entries", a damaged one is logged and treated as empty, never a crash. */
function readFile(file: string, logger: Logger | undefined): Record<string, OAuthClientRegistration> {
  let text: string;
  try {
    const buffer = readFileSync(file);
    if (buffer.byteLength > MAX_FILE_BYTES) {
      logger?.warn('oauth client registrations ignored: the file is too large', { file, bytes: buffer.byteLength });
      return {};
    }
    text = buffer.toString('utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') logger?.warn('oauth client registrations unreadable; signing in with a shipped client ID is off', { file, code });
    return {};
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    logger?.warn('oauth client registrations damaged (not JSON); signing in with a shipped client ID is off', { file });
    return {};
  }
  const parsed = OAuthClientsFileSchema.safeParse(json);
  if (!parsed.success) {
    // Only the paths of the problems: the values may include a client secret.
    const where = parsed.error.issues.map((i) => i.path.join('.') || '(top)').slice(0, 5);
    logger?.warn('oauth client registrations damaged (not the expected shape); signing in with a shipped client ID is off', { file, where });
    return {};
  }
  return parsed.data;
}

/** Registrations from the environment variables of OAUTH_CLIENT_ENV; empty or blank values count as absent. */
export function registrationsFromEnv(env: NodeJS.ProcessEnv): Record<string, OAuthClientRegistration> {
  const out: Record<string, OAuthClientRegistration> = {};
  for (const [provider, names] of Object.entries(OAUTH_CLIENT_ENV)) {
    const clientId = env[names.clientId]?.trim();
    if (!clientId) continue;
    const secretName = 'clientSecret' in names ? names.clientSecret : undefined;
    const clientSecret = secretName ? env[secretName]?.trim() : undefined;
    const parsed = OAuthClientRegistrationSchema.safeParse({ clientId, ...(clientSecret ? { clientSecret } : {}) });
    if (parsed.success) out[provider] = parsed.data;
  }
  return out;
}

export function loadRegistrations(options: LoadRegistrationsOptions = {}): OAuthRegistrations {
  const merged: Record<string, OAuthClientRegistration> = {
    ...(options.file ? readFile(options.file, options.logger) : {}),
    ...(options.env ? registrationsFromEnv(options.env) : {}),
  };
  for (const [id, entry] of Object.entries(options.entries ?? {})) {
    const parsed = OAuthClientRegistrationSchema.safeParse(entry);
    if (parsed.success) merged[id] = parsed.data;
    else options.logger?.warn('oauth client registration ignored: not the expected shape', { provider: id });
  }
  const table = new Map(Object.entries(merged));
  return {
    forProvider: (providerId) => {
      const entry = table.get(providerId);
      return entry ? { ...entry } : undefined;
    },
    providerIds: () => [...table.keys()],
  };
}
