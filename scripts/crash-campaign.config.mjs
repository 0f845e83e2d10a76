// vitest configuration of `npm run crash-campaign` (scripts/crash-campaign.mjs): only the campaign,
// with room for its length; `npm test` uses vitest.config.ts, which does not include it.
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: join(import.meta.dirname, '..'),
  test: {
    include: ['test/support/outbox-crash-campaign.ts'],
    environment: 'node',
    testTimeout: 60 * 60_000,
    // The figures are the output: show the campaign's lines as they come.
    disableConsoleIntercept: true,
  },
});
