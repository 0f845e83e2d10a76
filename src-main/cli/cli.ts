/** out/main/cli.js: the `mailwright` command line under plain Node (bin/mailwright.mjs runs it). */
import { runAsProcess } from './process';

await runAsProcess(process.argv.slice(2));
