import { existsSync } from 'node:fs';

/** Flags for Chromium under test: no sandbox (root in CI), no GPU, nothing reaching out on its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Debian's Chromium where it is installed (this machine, CI); else Playwright's own browser. */
export function chromiumExecutable(): string | undefined {
  const candidate = process.env.MAILWRIGHT_CHROMIUM ?? '/usr/bin/chromium';
  return existsSync(candidate) ? candidate : undefined;
}
