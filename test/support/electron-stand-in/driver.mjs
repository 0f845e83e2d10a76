// Child process of test/integration/startup-smoke.test.ts (run with `node --import ./register.mjs`):
// loads the built main bundle against the recording stand-in for electron, makes the app
// "ready" once the bundle has been evaluated, waits (bounded) for the first window, then quits the
// way a person would, and writes what was recorded to the result file. Exits by itself: after the
// app's quit completes (as Electron ends the process then), or after 15 s with an error recorded.
import { writeFileSync } from 'node:fs';
import process from 'node:process';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { app, calls, control } from './electron.mjs';

const [mainBundle, resultFile] = process.argv.slice(2);
const errors = [];
process.on('uncaughtException', (error) => errors.push(String(error?.stack ?? error)));
process.on('unhandledRejection', (error) => errors.push(String(error?.stack ?? error)));

let finished = false;
function finish(reason) {
  if (finished) return;
  finished = true;
  const windows = control.windows().map((w) => ({ options: w.options }));
  writeFileSync(resultFile, JSON.stringify({ reason, errors, calls, handledChannels: control.handledChannels(), windows, quitCalls: app.quitCalls }));
  process.exit(0);
}
control.onQuit = () => finish('quit');

try {
  await import(pathToFileURL(mainBundle).href);
} catch (error) {
  errors.push(`import failed: ${error?.stack ?? error}`);
  finish('import failed');
}
control.mark('main bundle evaluated');
await sleep(20); // anything the bundle does on its own before ready happens now
control.makeReady();
for (let i = 0; i < 400 && control.windows().length === 0; i++) await sleep(25);
if (control.windows().length === 0) errors.push('no window within 10 s of ready');
await sleep(100); // ready-to-show and the first renderer-independent work
control.mark('quit requested');
app.quit();
await sleep(15_000);
errors.push('the app did not finish quitting within 15 s');
finish('timeout');
