/**
 * The `mailwright` command line (plain Node; never imports electron): parses the command, runs it,
 * and turns every failure into words and an exit code (exit-codes.ts), never a stack trace.
 */
import { StartFailureError } from '../services/start-failure';
import { parseCommand, HELP, UsageError } from './args';
import { runCheck } from './check';
import { EXIT } from './exit-codes';
import { CliFailure, type CliIo } from './io';
import { runSandbox } from './sandbox';
import { runSend } from './send';

export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const failWith = (exit: number, message: string, extra: object = {}) => {
    if (json) io.out(`${JSON.stringify({ command: argv[0] ?? null, ok: false, exitCode: exit, error: { message, ...extra } })}\n`);
    else io.err(`mailwright: ${message}\n`);
    return exit;
  };
  try {
    const command = parseCommand(argv);
    switch (command.kind) {
      case 'help':
        io.out(HELP[command.topic]);
        return EXIT.OK;
      case 'check':
        return await runCheck(command, io);
      case 'send':
        return await runSend(command, io);
      case 'sandbox':
        return await runSandbox(command, io);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      const exit = failWith(EXIT.USAGE, error.message, { code: 'USAGE' });
      if (!json) io.err(`Run "mailwright ${error.topic === 'main' ? '' : `${error.topic} `}--help" for how to use it.\n`);
      return exit;
    }
    if (error instanceof CliFailure) return failWith(error.exit, error.message, error.error ? { code: error.error.code } : {});
    if (error instanceof StartFailureError) return failWith(EXIT.DATA_LOCKED, `The app's data folder cannot be opened by this version: ${error.message}`);
    // A bug: its message, never its stack (the stack is for MAILWRIGHT_DEBUG=1).
    if (io.env.MAILWRIGHT_DEBUG === '1' && error instanceof Error) io.err(`${error.stack}\n`);
    return failWith(EXIT.INTERNAL, `something went wrong inside Mailwright: ${error instanceof Error ? error.message : String(error)}`);
  }
}
