#!/usr/bin/env node
// Writes out/oauth-clients.json, the OAuth2 client registrations shipped with a packaged
// Mailwright (electron-builder copies it to resources/oauth-clients.json; the main process reads
// it with loadRegistrations from src-main/services/oauth/registrations.ts).
//
// Client IDs are deployment data, not source. The packager sets, for each provider they registered
// Mailwright with (README: "Signing in with Microsoft and Google (OAuth2)"):
//   MAILWRIGHT_MICROSOFT_CLIENT_ID     the Application (client) ID of the Microsoft Entra app
//   MAILWRIGHT_GOOGLE_CLIENT_ID        the client ID of the Google "Desktop app" OAuth client
//   MAILWRIGHT_GOOGLE_CLIENT_SECRET    its client secret (Google issues one to installed apps; it is not secret)
// With none set the file has no entries and the app still works: the wizard says that no client ID
// is configured and offers "Use my own client ID" or an app password.
//
// Run: node scripts/write-oauth-clients.mjs [output file]   (npm run package runs it)

import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'out', 'oauth-clients.json'));

/** The same limits as OAuthClientRegistrationSchema in registrations.ts: 1 to 500 characters, trimmed. */
function value(name) {
  const v = process.env[name]?.trim();
  if (!v) return undefined;
  if (v.length > 500 || /[\s"\\]/.test(v)) {
    console.error(`write-oauth-clients: ${name} does not look like a client ID or secret (spaces, quotes or over 500 characters)`);
    process.exit(1);
  }
  return v;
}

const clients = {};
const microsoft = value('MAILWRIGHT_MICROSOFT_CLIENT_ID');
if (microsoft) clients.microsoft = { clientId: microsoft };
const google = value('MAILWRIGHT_GOOGLE_CLIENT_ID');
const googleSecret = value('MAILWRIGHT_GOOGLE_CLIENT_SECRET');
if (google) clients.google = { clientId: google, ...(googleSecret ? { clientSecret: googleSecret } : {}) };
if (googleSecret && !google) {
  console.error('write-oauth-clients: MAILWRIGHT_GOOGLE_CLIENT_SECRET is set without MAILWRIGHT_GOOGLE_CLIENT_ID');
  process.exit(1);
}

await mkdir(path.dirname(out), { recursive: true });
// Written whole and then renamed, so a packaging run never ships a half-written file.
const tmp = `${out}.${process.pid}.tmp`;
await writeFile(tmp, `${JSON.stringify(clients, null, 2)}\n`, { mode: 0o644 });
await rename(tmp, out);

const names = Object.keys(clients);
// Only which providers: never the IDs or the secret in a build log.
console.log(`write-oauth-clients: ${path.relative(root, out)}: ${names.length ? names.join(', ') : 'no client IDs (OAuth2 sign-in needs "Use my own client ID")'}`);
