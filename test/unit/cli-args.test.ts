/** The command line's grammar, its fault specs, its exit codes and its data folder (src-main/cli). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FaultSchema } from '../../shared/sandbox';
import { HELP, parseCommand, parseServer, UsageError } from '../../src-main/cli/args';
import { dataFolder, standardAppData } from '../../src-main/cli/data';
import { EXIT, EXIT_CODE_TABLE, exitForStage } from '../../src-main/cli/exit-codes';
import { FaultSpecError, parseFaultSpec } from '../../src-main/cli/fault-spec';
import { STAGE_NAMES } from '../../shared/verify';

const usage = (argv: string[]) => {
  try {
    parseCommand(argv);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  }
  throw new Error(`parsed: ${argv.join(' ')}`);
};

describe('mailwright command line: arguments', () => {
  it('reads check HOST[:PORT] with the security implied by the port', () => {
    expect(parseCommand(['check', 'smtp.example.com'])).toMatchObject({ kind: 'check', server: { host: 'smtp.example.com', port: 587, security: 'starttls' } });
    expect(parseCommand(['check', 'smtp.example.com:465'])).toMatchObject({ server: { port: 465, security: 'tls' } });
    expect(parseCommand(['check', 'mx:25', '--security', 'none'])).toMatchObject({ server: { host: 'mx', port: 25, security: 'none' } });
    expect(parseCommand(['check', 'h', '--security', 'tls'])).toMatchObject({ server: { port: 465, security: 'tls' } });
    expect(parseServer('[::1]:2525')).toEqual({ host: '::1', port: 2525 });
    // --user that is an address is the envelope address too; --from wins.
    expect(parseCommand(['check', 'h', '--user', 'a@x.org'])).toMatchObject({ server: { user: 'a@x.org', from: 'a@x.org' } });
    expect(parseCommand(['check', 'h', '--user', 'a', '--from', 'b@x.org', '--json', '--transcript'])).toMatchObject({ json: true, transcript: true, server: { user: 'a', from: 'b@x.org' } });
  });

  it('reads check --account and refuses a server beside it', () => {
    expect(parseCommand(['check', '--account', 'Work', '--data-dir', '/d'])).toMatchObject({ kind: 'check', account: 'Work', dataDir: '/d' });
    expect(usage(['check', 'h', '--account', 'Work'])).toMatch(/--account/);
    expect(usage(['check'])).toMatch(/HOST\[:PORT\]\) or --account/);
    expect(usage(['check', 'h:99999'])).toMatch(/not a port/);
    expect(usage(['check', 'h', '--security', 'ssl'])).toMatch(/tls, starttls or none/);
  });

  it('never takes a password as an argument', () => {
    expect(usage(['check', 'h', '--password', 'x'])).toMatch(/Unknown option '--password'/);
    expect(usage(['send', '--account', 'a', '--to', 'b@x', '--subject', 's', '--pass', 'x'])).toMatch(/Unknown option/);
  });

  it('reads send with comma-separated and repeated recipients', () => {
    const cmd = parseCommand(['send', '--account', 'Work', '--to', 'a@x.org, b@x.org', '--to', 'c@x.org', '--bcc', 'd@x.org', '--subject', 'Hi', '--attach', 'f1', '--attach', 'f2', '--body-file', 'b.txt']);
    expect(cmd).toMatchObject({ kind: 'send', account: 'Work', to: ['a@x.org', 'b@x.org', 'c@x.org'], cc: [], bcc: ['d@x.org'], subject: 'Hi', attach: ['f1', 'f2'], bodyFile: 'b.txt', waitSeconds: 60 });
    expect(usage(['send', '--to', 'a@x.org', '--subject', 's'])).toMatch(/--account/);
    expect(usage(['send', '--account', 'W', '--subject', 's'])).toMatch(/recipient/);
    expect(usage(['send', '--account', 'W', '--to', 'a@x.org'])).toMatch(/--subject/);
    expect(usage(['send', '--account', 'W', '--to', 'a@x.org', '--subject', 'a\nb'])).toMatch(/one line/);
  });

  it('reads sandbox with its faults, and says what is wrong with a bad one', () => {
    expect(parseCommand(['sandbox', '--port', '2525', '--fault', 'greeting:421', '--fault', 'drop:after-final-dot@0.5'])).toMatchObject({
      kind: 'sandbox',
      port: 2525,
      faults: [
        { kind: 'reply', stage: 'greeting', code: 421, probability: 1 },
        { kind: 'drop', at: 'after-final-dot', probability: 0.5 },
      ],
    });
    expect(usage(['sandbox', '--fault', 'rcpt:99'])).toMatch(/--fault "rcpt:99": write rcpt:CODE/);
    expect(usage(['sandbox', '--fault', 'bogus'])).toMatch(/unknown fault/);
  });

  it('gives help on every command', () => {
    expect(parseCommand([])).toEqual({ kind: 'help', topic: 'main' });
    expect(parseCommand(['--help'])).toEqual({ kind: 'help', topic: 'main' });
    for (const topic of ['check', 'send', 'sandbox'] as const) {
      expect(parseCommand([topic, '--help'])).toEqual({ kind: 'help', topic });
      expect(parseCommand([topic, '-h'])).toEqual({ kind: 'help', topic });
      expect(HELP[topic]).toContain(`mailwright ${topic}`);
    }
    expect(usage(['frob'])).toMatch(/unknown command "frob"/);
  });
});

describe('mailwright --fault specs', () => {
  it('parses each kind of fault into the shape FaultSchema accepts', () => {
    const cases: Array<[string, object]> = [
      ['rcpt:550:*@example.com', { kind: 'reply', stage: 'rcpt', code: 550, recipients: '*@example.com', probability: 1 }],
      ['rcpt:450:*@example.com@0.25', { kind: 'reply', stage: 'rcpt', code: 450, recipients: '*@example.com', probability: 0.25 }],
      ['greeting:421', { kind: 'reply', stage: 'greeting', code: 421 }],
      ['auth:535', { kind: 'reply', stage: 'auth', code: 535 }],
      ['mail:451', { kind: 'reply', stage: 'mail', code: 451 }],
      ['data-end:554@1', { kind: 'reply', stage: 'data-end', code: 554, probability: 1 }],
      ['drop:before-greeting', { kind: 'drop', at: 'before-greeting' }],
      ['drop:mid-data', { kind: 'drop', at: 'mid-data' }],
      ['drop:after-final-dot', { kind: 'drop', at: 'after-final-dot' }],
      ['slow:2000', { kind: 'slow', delayMs: 2000 }],
      ['tls', { kind: 'tls', probability: 1 }],
      ['tls@.5', { kind: 'tls', probability: 0.5 }],
    ];
    for (const [spec, expected] of cases) {
      const fault = parseFaultSpec(spec);
      expect(fault, spec).toMatchObject(expected);
      expect(FaultSchema.safeParse(fault).success, spec).toBe(true);
    }
  });

  it('refuses a bad spec with the reason in words', () => {
    const bad: Array<[string, RegExp]> = [
      ['rcpt:999', /from 400 to 599/],
      ['rcpt:250', /from 400 to 599/],
      ['rcpt:55', /3-digit/],
      ['greeting:421:*@x', /only rcpt/],
      ['drop:sometime', /drop:before-greeting/],
      ['slow:fast', /slow:MS/],
      ['slow:0', /1 to 120000/],
      ['tls:1', /takes no value/],
      ['tls@1.5', /probability/],
      ['helo:500', /unknown fault/],
      ['', /unknown fault/],
    ];
    for (const [spec, why] of bad) {
      expect(() => parseFaultSpec(spec), spec).toThrow(FaultSpecError);
      expect(() => parseFaultSpec(spec), spec).toThrow(why);
    }
  });
});

describe('mailwright exit codes', () => {
  it('gives each failing check stage its own code, distinct from usage and send codes', () => {
    const codes = new Set(Object.values(EXIT));
    expect(codes.size).toBe(Object.keys(EXIT).length);
    expect(exitForStage('connect')).toBe(EXIT.CONNECT);
    expect(exitForStage('tls')).toBe(EXIT.TLS);
    expect(exitForStage('greeting')).toBe(EXIT.GREETING);
    expect(exitForStage('ehlo')).toBe(EXIT.GREETING);
    expect(exitForStage('auth')).toBe(EXIT.AUTH);
    expect(exitForStage('login')).toBe(EXIT.AUTH);
    expect(exitForStage('envelope')).toBe(EXIT.ENVELOPE);
    for (const stage of STAGE_NAMES) expect(exitForStage(stage)).not.toBe(EXIT.OK);
    // The table printed by --help lists every code once.
    expect(EXIT_CODE_TABLE.map(([c]) => c).sort((a, b) => a - b)).toEqual([...codes].sort((a, b) => a - b));
    for (const [code] of EXIT_CODE_TABLE) expect(HELP.main).toMatch(new RegExp(`\\n\\s+${code}  `));
  });

  it('are documented in the README exactly as --help prints them', () => {
    const readme = readFileSync('README.md', 'utf8');
    for (const [code, words] of EXIT_CODE_TABLE) expect(readme, String(code)).toContain(`| ${code} | ${words.replace('--fault', '`--fault`')} |`);
  });
});

describe('mailwright data folder', () => {
  it('is found as the app finds it: --data-dir, MAILWRIGHT_USER_DATA, then the installed or development folder', () => {
    const home = '/home/p';
    expect(dataFolder('/given', { MAILWRIGHT_USER_DATA: '/env' }, 'linux', home)).toBe('/given');
    expect(dataFolder(undefined, { MAILWRIGHT_USER_DATA: '/env' }, 'linux', home)).toBe('/env');
    expect(dataFolder(undefined, {}, 'linux', home)).toBe('/home/p/.config/Mailwright (dev)');
    expect(dataFolder(undefined, { MAILWRIGHT_CLI_PACKAGED: '1' }, 'linux', home)).toBe('/home/p/.config/Mailwright');
    expect(dataFolder(undefined, { MAILWRIGHT_CLI_PACKAGED: '1', XDG_CONFIG_HOME: '/x' }, 'linux', home)).toBe('/x/Mailwright');
    expect(standardAppData('darwin', {}, home)).toBe('/home/p/Library/Application Support');
    expect(standardAppData('win32', { APPDATA: 'C:\\Users\\p\\AppData\\Roaming' }, home)).toBe('C:\\Users\\p\\AppData\\Roaming');
  });
});
