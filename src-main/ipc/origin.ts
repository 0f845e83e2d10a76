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
