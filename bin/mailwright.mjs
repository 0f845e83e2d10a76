#!/usr/bin/env node
// The `mailwright` command (package.json "bin"): runs the built command line, out/main/cli.js
// (`npm run build` makes it). The packaged app ships its own launcher (packaging/mailwright).
import { existsSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const bundle = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('mailwright: the command line is not built yet: run "npm run build" in the project first.\n');
  process.exit(1);
}
await import(bundle.href);
