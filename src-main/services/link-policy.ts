/**
 * Which links leave the app, and the origin of a URL: decisions shared by the Electron glue (the
 * window's navigation and window.open handlers) and the IPC handlers (app:openExternal). A plain
 * module, so src-main/ipc never has to import from src-main/electron.
 */
import { isAllowedLinkHref } from '../../shared/richtext';

/**
 * The address to hand to the system for a link the person chose to open outside the app, or null.
 * The same rule as for links kept in a message (shared/richtext.ts): absolute http(s) without a user
 * name or password in it, or mailto; file:, javascript:, smb: and every other scheme are dropped.
 */
export function externalUrlToOpen(url: string): string | null {
  return isAllowedLinkHref(url) ? new URL(url.trim()).href : null;
}

/**
 * "scheme://host[:port]" of a URL, or null. Node's URL gives the origin "null" for schemes it does
 * not know (such as our app://), while Chromium gives "app://mailwright" for a registered standard
 * scheme; this computes what Chromium does for both.
 */
export function originOf(url: string): string | null {
  try {
    const parsed = new URL(url);
    if (!parsed.host) return null;
    return `${parsed.protocol}//${parsed.host}`;
  } catch {
    return null;
  }
}
