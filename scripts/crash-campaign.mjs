#!/usr/bin/env node
// `npm run crash-campaign`: the outbox crash test at scale, not part of `npm test`. Kills the process
// owning the outbox with SIGKILL CRASH_KILLS times (default 100) over CRASH_MESSAGES messages
// (default 1000) sent to an in-process SMTP server that misbehaves, then lets it finish and prints
// lost / duplicated / "may have been sent" / delivered. Same harness as the crash test
// (test/support/outbox-crash-harness.ts); run through vitest, which compiles the TypeScript.
// Other knobs: CRASH_SEED (replay), CRASH_LAST_RUN_S (how long the last, undisturbed run may take).
// Exits non-zero when a message was lost or delivered twice.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const env = { ...process.env };
env.CRASH_KILLS ??= '100';
env.CRASH_MESSAGES ??= '1000';
const config = join(import.meta.dirname, 'crash-campaign.config.mjs');
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';
const run = spawnSync(npx, ['vitest', 'run', '--config', config], { stdio: 'inherit', env });
process.exit(run.status ?? 1);
