/**
 * Playwright config for the browser benchmarks in bench/ (not part of `npm test`):
 *
 *   npm run build && npx playwright test -c bench/playwright.bench.config.ts
 *
 * Same global setup as the end-to-end specs (bundles the bridge preload, checks out/renderer).
 * The benchmarks start their own servers and browser through test/e2e/fixture.ts's launchApp.
 */
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  testMatch: ['startup.ts', 'message-list-scroll.ts'],
  globalSetup: '../test/e2e/global-setup.ts',
  outputDir: '../test-results/bench',
  // message-list-scroll: setup (servers, 10,000 files, Dovecot's index, the wizard) plus two scroll
  // passes; startup: two scenarios of alternating navigations (about a minute).
  timeout: 300_000,
  globalTimeout: 720_000,
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [['list']],
});
