/**
 * Security decisions of the Electron glue, as plain functions so they are unit-tested without
 * Electron. (This file imports nothing from electron on purpose.)
 */
import { isAbsolute, normalize, relative, resolve, sep } from 'node:path';
import { originOf } from '../services/link-policy';

/** The renderer's own scheme and origin in the packaged app (a privileged custom protocol, not file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'mailwright';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The Content-Security-Policy of the renderer: only our own scripts and styles, no network except
 * images over https.
 *
 * A received message is shown in a srcdoc frame, which inherits this policy on top of its own
 * (Chromium applies both; frame-src 'none' does not stop srcdoc). Its own policy allows only data:
 * images until the person chooses to show remote images; then its img-src adds https: (and http:,
 * which Chromium upgrades to https in this secure context before the check). Both policies must
 * allow a load, so remote images need https: here too. The cost: an image tag injected into the
 * app itself could reach the network; but no script can run here, React escapes all text,
 * connect-src stays 'none', and message HTML never enters this document. Inline styles stay
 * refused: the mail view applies a message's (cleaned) styles through the CSSOM instead.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: https:",
  "font-src 'self'",
  "connect-src 'none'",
  "media-src 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** Navigation of our window is allowed only within our own origin (e.g. a reload). */
export function isAllowedNavigation(url: string, appOrigin: string): boolean {
  return originOf(url) === appOrigin;
}

/**
 * Subframes may only load the message frame's own document (srcdoc, or the blank document it
 * starts as). A received message's links are handled by the renderer, which shows the real target
 * before anything opens; a navigation that slipped past it (a missed click, a refresh) is stopped.
 */
export function isAllowedSubframeNavigation(url: string): boolean {
  return url === 'about:srcdoc' || url === 'about:blank';
}

/**
 * Maps an app:// request to a file below `root`, or null when it would leave the folder.
 * "/" serves index.html.
 */
export function resolveAppAsset(root: string, url: string): string | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (originOf(url) !== APP_ORIGIN) return null;
  let pathname: string;
  try {
    pathname = decodeURIComponent(parsed.pathname);
  } catch {
    return null;
  }
  if (pathname.includes('\0')) return null;
  const wanted = pathname === '/' || pathname === '' ? 'index.html' : pathname.replace(/^\/+/, '');
  const base = resolve(root);
  const file = resolve(base, normalize(wanted));
  const rel = relative(base, file);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel) || rel.split(sep).includes('..')) return null;
  return file;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

export function mimeTypeOf(file: string): string {
  const dot = file.lastIndexOf('.');
  return MIME[dot >= 0 ? file.slice(dot).toLowerCase() : ''] ?? 'application/octet-stream';
}

/**
 * Whether safeStorage really encrypts. On Linux without a keyring it falls back to a hard-coded
 * key ("basic_text"), which protects nothing, so we count that as no OS encryption.
 */
export function osSecretBackend(
  platform: string,
  encryptionAvailable: boolean,
  linuxBackend: () => string,
): { name: string; encrypts: boolean } {
  if (!encryptionAvailable) return { name: 'unavailable', encrypts: false };
  if (platform === 'darwin') return { name: 'keychain', encrypts: true };
  if (platform === 'win32') return { name: 'dpapi', encrypts: true };
  const name = linuxBackend();
  return { name, encrypts: name !== 'basic_text' && name !== 'unknown' };
}

/**
 * Cookies: the app itself uses none, and remote content (a message's images, once the person allows
 * them) must not be able to track the reader with cookies. So every request that leaves the app's own
 * origin is sent without cookies, and its answer's Set-Cookie headers are dropped: no third-party
 * cookie is ever kept. Header names compare without case (HTTP).
 */
export function withoutCookies<T>(headers: Record<string, T>, name: 'cookie' | 'set-cookie'): Record<string, T> {
  return Object.fromEntries(Object.entries(headers).filter(([key]) => key.toLowerCase() !== name));
}

/** Whether a request's cookies are stripped: everything that is not the app's own origin. */
export function stripsCookies(url: string, appOrigin: string): boolean {
  return originOf(url) !== appOrigin;
}
