/**
 * The command line's grammar: node:util parseArgs per command (strict: an unknown option is an
 * error, never ignored), turned into one typed command. Help texts live here beside the options
 * they describe.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Fault } from '../../shared/sandbox';
import { exitCodeTableText } from './exit-codes';
import { FAULT_SPEC_HELP, FaultSpecError, parseFaultSpec } from './fault-spec';

export type Security = 'tls' | 'starttls' | 'none';

interface Common {
  json: boolean;
  /** --data-dir; else MAILWRIGHT_USER_DATA; else the app's own folder. */
  dataDir?: string;
}

export type CheckCommand = Common & {
  kind: 'check';
  /** check HOST[:PORT] */
  server?: { host: string; port: number; security: Security; user?: string; from?: string };
  /** check --account NAME */
  account?: string;
  transcript: boolean;
  /** Extra certificate authorities (PEM files) to trust, e.g. a test server's own CA. */
  caFiles: string[];
};

export type SendCommand = Common & {
  kind: 'send';
  account: string;
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  attach: string[];
  /** Absent: the body is read from stdin. */
  bodyFile?: string;
  /** How long to wait for the outcome, in seconds. */
  waitSeconds: number;
  caFiles: string[];
};

export type SandboxCommand = Common & { kind: 'sandbox'; port?: number; dir?: string; faults: Fault[] };

export type HelpCommand = { kind: 'help'; topic: 'main' | 'check' | 'send' | 'sandbox' };

export type Command = CheckCommand | SendCommand | SandboxCommand | HelpCommand;

export class UsageError extends Error {
  constructor(
    message: string,
    readonly topic: HelpCommand['topic'] = 'main',
  ) {
    super(message);
    this.name = 'UsageError';
  }
}

const COMMON = `  --data-dir DIR        the app's data folder (default: MAILWRIGHT_USER_DATA, else the app's own)
  --json                one JSON document on stdout instead of words
  -h, --help            this help`;

export const HELP: Record<HelpCommand['topic'], string> = {
  main: `mailwright: check mail servers and send mail with Mailwright's accounts, from a terminal.

Usage:
  mailwright check HOST[:PORT] [--security tls|starttls|none] [--user U] [--from ADDRESS]
  mailwright check --account NAME
  mailwright send --account NAME --to A[,B] [--cc A] [--bcc A] --subject S [--attach F]... [--body-file F]
  mailwright sandbox [--port N] [--dir DIR] [--fault SPEC]...
  mailwright COMMAND --help

Every command takes --json (one JSON document on stdout) and --data-dir DIR.
Passwords are never taken as arguments: set MAILWRIGHT_PASSWORD, or type it when asked.

Exit codes:
${exitCodeTableText()}
`,
  check: `mailwright check: the account wizard's staged check, in the terminal.

Usage:
  mailwright check HOST[:PORT] [options]     an SMTP server
  mailwright check --account NAME            an account of the app (by description or address), with its saved password

Options:
  --security tls|starttls|none   how to secure the connection (default: tls on port 465, else starttls)
  --user U              sign in as U; the password comes from MAILWRIGHT_PASSWORD or a prompt
  --from ADDRESS        the address tried as MAIL FROM and RCPT TO (default: --user when it is an address)
  --transcript          also print the conversation (passwords removed)
  --ca FILE             also trust this certificate authority (PEM), e.g. a test server's own
${COMMON}

Stages: connect, tls, greeting, ehlo, auth, envelope (MAIL FROM / RCPT TO), close. The exit code
names the first stage that failed (mailwright --help lists them).
`,
  send: `mailwright send: send a message with an account of the app, through its outbox.

Usage:
  mailwright send --account NAME --to A[,B] --subject S [options] < body.txt

Options:
  --account NAME        the app's account, by description or email address
  --to A[,B]            recipients (repeat or separate with commas); also --cc, --bcc
  --subject S           the subject
  --attach FILE         attach a file (repeat for more)
  --body-file FILE      the text of the message (default: read from stdin)
  --wait SECONDS        how long to wait for the outcome (default 60)
  --ca FILE             also trust this certificate authority (PEM)
${COMMON}

The message goes into the app's outbox and shows there. When Mailwright is running, the command hands
the message to it (nothing is sent twice, and no password is needed here); otherwise it sends it itself.
`,
  sandbox: `mailwright sandbox: run the capture server alone, for testing your own software.

Usage:
  mailwright sandbox [--port N] [--dir DIR] [--fault SPEC]...

Prints where it listens and the user name and password for this run, then every message as it
arrives, until Ctrl-C. Messages are kept in DIR (default: a "sandbox-cli" folder in the data folder).

Options:
  --port N              listen on this port of 127.0.0.1 (default: a free one)
  --dir DIR             where captured messages are kept
  --fault SPEC          answer like a server gone wrong (repeat for more):
${FAULT_SPEC_HELP}
${COMMON}
`,
};

const common = {
  json: { type: 'boolean', default: false },
  'data-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

function parse<O extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: O, topic: HelpCommand['topic'], positionals = false) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: positionals });
  } catch (error) {
    // parseArgs words its errors well ("Unknown option '--x'"); its code name is not for people.
    const message = error instanceof Error ? error.message.replace(/^TypeError \[[A-Z_]+\]: /, '') : String(error);
    throw new UsageError(message, topic);
  }
}

const list = (values: string[] | undefined) =>
  (values ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean);

const commonOf = (values: { json?: boolean; 'data-dir'?: string }): Common => ({ json: values.json ?? false, ...(values['data-dir'] ? { dataDir: values['data-dir'] } : {}) });

function port(text: string, topic: HelpCommand['topic']): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) throw new UsageError(`${JSON.stringify(text)} is not a port (1 to 65535)`, topic);
  return Number(text);
}

/** HOST, HOST:PORT, [IPv6]:PORT. */
export function parseServer(text: string): { host: string; port?: number } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (bracketed) return { host: bracketed[1]!, ...(bracketed[2] ? { port: port(bracketed[2], 'check') } : {}) };
  const colon = text.lastIndexOf(':');
  if (colon > 0 && text.indexOf(':') === colon) return { host: text.slice(0, colon), port: port(text.slice(colon + 1), 'check') };
  if (!text || /\s/.test(text)) throw new UsageError(`${JSON.stringify(text)} is not a server name`, 'check');
  return { host: text };
}

const DEFAULT_PORT: Record<Security, number> = { tls: 465, starttls: 587, none: 25 };

export function parseCommand(argv: readonly string[]): Command {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') return { kind: 'help', topic: 'main' };
  switch (name) {
    case 'check': {
      const { values, positionals } = parse(
        rest,
        { ...common, security: { type: 'string' }, user: { type: 'string' }, from: { type: 'string' }, account: { type: 'string' }, transcript: { type: 'boolean', default: false }, ca: { type: 'string', multiple: true } },
        'check',
        true,
      );
      if (values.help) return { kind: 'help', topic: 'check' };
      const base = { kind: 'check' as const, ...commonOf(values), transcript: values.transcript ?? false, caFiles: values.ca ?? [] };
      if (values.account !== undefined) {
        if (positionals.length || values.security || values.user || values.from) throw new UsageError('--account checks the account as saved: give no server, --security, --user or --from with it', 'check');
        if (!values.account.trim()) throw new UsageError('--account needs a name', 'check');
        return { ...base, account: values.account.trim() };
      }
      if (positionals.length !== 1) throw new UsageError(positionals.length ? 'give one server' : 'give a server (HOST[:PORT]) or --account NAME', 'check');
      const security = values.security;
      if (security !== undefined && security !== 'tls' && security !== 'starttls' && security !== 'none') throw new UsageError('--security is tls, starttls or none', 'check');
      const server = parseServer(positionals[0]!);
      const chosen: Security = security ?? (server.port === 465 ? 'tls' : 'starttls');
      const user = values.user?.trim();
      const from = values.from?.trim() ?? (user?.includes('@') ? user : undefined);
      return {
        ...base,
        server: { host: server.host, port: server.port ?? DEFAULT_PORT[chosen], security: chosen, ...(user ? { user } : {}), ...(from ? { from } : {}) },
      };
    }
    case 'send': {
      const { values } = parse(
        rest,
        {
          ...common,
          account: { type: 'string' },
          to: { type: 'string', multiple: true },
          cc: { type: 'string', multiple: true },
          bcc: { type: 'string', multiple: true },
          subject: { type: 'string' },
          attach: { type: 'string', multiple: true },
          'body-file': { type: 'string' },
          wait: { type: 'string' },
          ca: { type: 'string', multiple: true },
        },
        'send',
      );
      if (values.help) return { kind: 'help', topic: 'send' };
      if (!values.account?.trim()) throw new UsageError('--account NAME is required', 'send');
      const to = list(values.to);
      const cc = list(values.cc);
      const bcc = list(values.bcc);
      if (!to.length && !cc.length && !bcc.length) throw new UsageError('give at least one recipient (--to, --cc or --bcc)', 'send');
      if (values.subject === undefined) throw new UsageError('--subject is required (it may be empty: --subject "")', 'send');
      if (/[\r\n]/.test(values.subject)) throw new UsageError('--subject must be one line', 'send');
      const wait = values.wait ?? '60';
      if (!/^\d+$/.test(wait) || Number(wait) > 3600) throw new UsageError('--wait is a number of seconds (0 to 3600)', 'send');
      return {
        kind: 'send',
        ...commonOf(values),
        account: values.account.trim(),
        to,
        cc,
        bcc,
        subject: values.subject,
        attach: values.attach ?? [],
        ...(values['body-file'] !== undefined ? { bodyFile: values['body-file'] } : {}),
        waitSeconds: Number(wait),
        caFiles: values.ca ?? [],
      };
    }
    case 'sandbox': {
      const { values } = parse(rest, { ...common, port: { type: 'string' }, dir: { type: 'string' }, fault: { type: 'string', multiple: true } }, 'sandbox');
      if (values.help) return { kind: 'help', topic: 'sandbox' };
      let faults: Fault[];
      try {
        faults = (values.fault ?? []).map(parseFaultSpec);
      } catch (error) {
        if (error instanceof FaultSpecError) throw new UsageError(error.message, 'sandbox');
        throw error;
      }
      return {
        kind: 'sandbox',
        ...commonOf(values),
        ...(values.port !== undefined ? { port: port(values.port, 'sandbox') } : {}),
        ...(values.dir !== undefined ? { dir: values.dir } : {}),
        faults,
      };
    }
    default:
      throw new UsageError(`unknown command ${JSON.stringify(name)}: use check, send or sandbox`);
  }
}
