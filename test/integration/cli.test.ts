/**
 * The `mailwright` command line as a person runs it: the BUILT bundle (out/main/cli.js, made by
 * `npm run build`, which `npm test` runs first) spawned with Node, against real Postfix and Dovecot
 * (test/support/mail-servers.ts), with the data folder of a test backend (test/support/backend.ts,
 * the same createBackend the app runs) holding accounts and their app-key secrets.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Account } from '../../shared/model';
import type { OutboxJobView } from '../../shared/outbox';
import { fail } from '../../shared/result';
import { Outbox } from '../../src-main/services/outbox';
import { startBackend, type StartedBackend } from '../support/backend';
import { PROJECT_ROOT } from '../support/builder-config';
import { waitForMessage } from '../support/imap-read';
import { startMailServers, type MailServers, type MailUser } from '../support/mail-servers';

const BUNDLE = join(PROJECT_ROOT, 'out/main/cli.js');
let servers: MailServers;
const dirs: string[] = [];
const backends: StartedBackend[] = [];

beforeAll(async () => {
  if (!existsSync(BUNDLE)) throw new Error('out/main/cli.js is missing: run `npm run build` before the command-line tests');
  servers = await startMailServers();
}, 90_000);
afterAll(async () => {
  for (const b of backends) await b.close().catch(() => undefined);
  await servers?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `mailwright ARGS` (the built bundle) to its end, bounded in time. */
function cli(args: string[], options: { env?: Record<string, string>; input?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const { MAILWRIGHT_PASSWORD: _p, MAILWRIGHT_USER_DATA: _u, ...env } = process.env;
    const child = spawn(process.execPath, [BUNDLE, ...args], { env: { ...env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mailwright ${args.join(' ')} did not end within ${options.timeoutMs ?? 60_000} ms\n${stdout}\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

const noStack = (run: Run) => expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+/);

/** A port of 127.0.0.1 where nothing listens. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-cli-'));
  dirs.push(dir);
  return dir;
}

async function backendOn(dir: string): Promise<StartedBackend> {
  const b = await startBackend(dir, {
    undoSeconds: 0,
    outbox: { retry: { baseMs: 200, maxMs: 400, maxAttempts: 2 } },
    smtp: { extraCertificateAuthorities: [servers.ca], timeouts: { connectMs: 5000, greetingMs: 5000, socketMs: 10000 } },
  });
  backends.push(b);
  return b;
}

async function close(b: StartedBackend): Promise<void> {
  await b.close();
  backends.splice(backends.indexOf(b), 1);
}

/** A data folder with Alice's account saved by the app (password kept with the app-key cipher). */
async function dataFolderWithAlice(description = 'Alice work'): Promise<{ dir: string; account: Account }> {
  const dir = folder();
  const b = await backendOn(dir);
  const alice = servers.users[0]!;
  const account = await b.value<Account>('accounts:save', {
    account: {
      description,
      email: alice.address,
      displayName: 'Alice Liddell',
      smtp: { host: servers.host, port: servers.submission.starttlsPort, security: 'starttls', auth: 'password', username: alice.username },
    },
    password: alice.password,
  });
  await close(b);
  return { dir, account };
}

/** How many messages in `user`'s maildir contain `tag` (each delivery is one file). */
function deliveredCount(user: MailUser, tag: string): number {
  const root = servers.maildir(user);
  return ['new', 'cur'].flatMap((sub) => (existsSync(join(root, sub)) ? readdirSync(join(root, sub)).map((f) => join(root, sub, f)) : [])).filter((f) => readFileSync(f, 'utf8').includes(tag)).length;
}

async function until(what: string, test: () => boolean | Promise<boolean>, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const tagged = (label: string) => `${label}-${Date.now()}-${Math.random().toString(36).slice(2)}`;

describe('mailwright --help and usage errors', () => {
  it('prints the commands and the exit-code table, through the npm bin launcher too', async () => {
    const viaBin = await new Promise<Run>((resolve) => {
      const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin/mailwright.mjs'), '--help']);
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr: '' }));
    });
    expect(viaBin.code).toBe(0);
    expect(viaBin.stdout).toContain('mailwright check HOST[:PORT]');
    expect(viaBin.stdout).toMatch(/Exit codes:[\s\S]*13 {2}check: user name or password refused/);
    for (const command of ['check', 'send', 'sandbox']) {
      const run = await cli([command, '--help']);
      expect(run.code, command).toBe(0);
      expect(run.stdout).toContain(`mailwright ${command}:`);
    }
  });

  it('refuses a bad --fault spec in words, exit 2, in text and in JSON', async () => {
    const run = await cli(['sandbox', '--fault', 'rcpt:999:*@example.com']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--fault "rcpt:999:*@example.com": the reply code must be from 400 to 599');
    expect(run.stderr).toContain('mailwright sandbox --help');
    noStack(run);
    const json = await cli(['sandbox', '--fault', 'drop:later', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, exitCode: 2, error: { code: 'USAGE', message: expect.stringContaining('drop:before-greeting') } });
  });
});

describe('mailwright check against Postfix', () => {
  const alice = () => servers.users[0]!;
  const withPassword = (password: string) => ({ env: { MAILWRIGHT_PASSWORD: password } });

  it('exit 10 when the port refuses the connection', async () => {
    const run = await cli(['check', `127.0.0.1:${await closedPort()}`, '--from', alice().address]);
    expect(run.code).toBe(10);
    expect(run.stdout).toContain('The server refused the connection on that port.');
    noStack(run);
  });

  it('exit 11 for a certificate no authority vouches for (the test CA not given), with its details', async () => {
    const run = await cli(['check', `127.0.0.1:${servers.submission.tlsPort}`, '--security', 'tls', '--user', alice().username], withPassword(alice().password));
    expect(run.code).toBe(11);
    expect(run.stdout).toMatch(/Secure connection \(TLS\): failed/);
    expect(run.stdout).toMatch(/SHA-256: +[0-9A-F:]{20,}/i);
    expect(run.stdout).toMatch(/Trusted: +no/);
  });

  it('exit 13 for a wrong password, which never appears in the output', async () => {
    const run = await cli(['check', `127.0.0.1:${servers.submission.starttlsPort}`, '--user', alice().username, '--ca', servers.caFile, '--transcript'], withPassword('wrong-Pa55word'));
    expect(run.code).toBe(13);
    expect(run.stdout).toMatch(/Sign in: failed/);
    expect(run.stdout).toContain('Transcript (passwords and tokens removed)');
    expect(run.stdout).not.toContain('wrong-Pa55word');
    expect(run.stdout).not.toContain(Buffer.from(`\0${alice().username}\0wrong-Pa55word`).toString('base64'));
  });

  it('asks for the password on a terminal without echoing it (a real pseudo-terminal, through util-linux script)', async () => {
    const port = await closedPort();
    const child = spawn('script', ['-qec', `"${process.execPath}" "${BUNDLE}" check 127.0.0.1:${port} --user ${alice().username}`, '/dev/null'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    await until('the prompt', () => output.includes(`Password for ${alice().username}:`), 15_000);
    child.stdin.write('Typed-Secret-42\r');
    expect(await ended).toBe(10); // the password was taken, then the closed port failed the check
    expect(output).toContain('The server refused the connection on that port.');
    expect(output).not.toContain('Typed-Secret-42');
  });

  it('exit 14 when the server refuses RCPT TO', async () => {
    const run = await cli(['check', `127.0.0.1:${servers.submission.starttlsPort}`, '--user', alice().username, '--from', `nobody@${servers.domain}`, '--ca', servers.caFile], withPassword(alice().password));
    expect(run.code).toBe(14);
    expect(run.stdout).toMatch(/Sender and recipient accepted: failed/);
    expect(run.stdout).toMatch(/The server said: 5\d\d/);
  });

  it('exit 0 when every stage passes; --json has the stages, the certificate and the redacted transcript', async () => {
    const run = await cli(['check', `127.0.0.1:${servers.submission.tlsPort}`, '--security', 'tls', '--user', alice().username, '--ca', servers.caFile, '--json'], withPassword(alice().password));
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as Record<string, unknown> & { stages: Array<Record<string, unknown>>; transcript: Array<{ text: string }> };
    expect(report).toMatchObject({ command: 'check', ok: true, exitCode: 0, failed: null, certificates: { smtp: { trusted: true, sha256: expect.any(String) } } });
    expect(report.stages.map((s) => `${s.stage}:${s.status}`)).toEqual(['connect:passed', 'tls:passed', 'greeting:passed', 'ehlo:passed', 'auth:passed', 'envelope:passed', 'close:passed']);
    expect(Object.keys(report.stages[0]!).sort()).toEqual(['label', 'ms', 'protocol', 'stage', 'status', 'summary']);
    expect(report.transcript.some((l) => /^AUTH /.test(l.text))).toBe(true);
    expect(run.stdout).not.toContain(alice().password);
  });

  it('check --account uses the saved account and its password; an unknown name is exit 20', async () => {
    const { dir } = await dataFolderWithAlice('Alice checked');
    const run = await cli(['check', '--account', 'alice checked', '--data-dir', dir, '--ca', servers.caFile]);
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('Check passed.');
    const missing = await cli(['check', '--account', 'Nobody', '--json'], { env: { MAILWRIGHT_USER_DATA: dir } });
    expect(missing.code).toBe(20);
    expect(JSON.parse(missing.stdout)).toMatchObject({ ok: false, exitCode: 20, error: { message: expect.stringContaining('No account of Mailwright is called "Nobody"') } });
    // A data folder that does not exist is named, not created.
    const nowhere = join(dir, 'not-here');
    const none = await cli(['send', '--data-dir', nowhere, '--account', 'Alice checked', '--to', 'a@example.org', '--subject', 's'], { input: 'x' });
    expect(none.code).toBe(20);
    expect(none.stderr).toContain(`There is no Mailwright data folder at ${nowhere}`);
    expect(existsSync(nowhere)).toBe(false);
  });
});

describe('mailwright send', () => {
  it('delivers through the outbox when the app is not running, and the app lists it after', async () => {
    const { dir, account } = await dataFolderWithAlice();
    const bob = servers.users[1]!;
    const tag = tagged('cli-send');
    const attachment = join(dir, 'notes.txt');
    writeFileSync(attachment, `attached ${tag}\n`);
    const run = await cli(['send', '--data-dir', dir, '--account', 'Alice work', '--to', bob.address, '--subject', `From the terminal ${tag}`, '--attach', attachment, '--ca', servers.caFile, '--json'], {
      input: `Body ${tag}\n`,
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { jobId: string };
    expect(result).toMatchObject({ command: 'send', ok: true, exitCode: 0, via: 'cli', state: 'sent', accepted: [bob.address], refused: [], error: null });
    const raw = await waitForMessage(servers, bob, (s) => s.includes(`From the terminal ${tag}`), 10_000);
    expect(raw).toContain(Buffer.from(`attached ${tag}\n`).toString('base64').slice(0, 20));
    expect(existsSync(join(dir, 'outbox.lock'))).toBe(false);

    // The app, started after, shows the message in its outbox, sent, from this account.
    const b = await backendOn(dir);
    const list = await b.value<OutboxJobView[]>('outbox:list', {});
    const job = list.find((j) => j.id === result.jobId);
    expect(job).toMatchObject({ state: 'sent', accountId: account.id, summary: { subject: `From the terminal ${tag}` } });
    expect(job?.draftDamaged).toBeUndefined();
    await close(b);
  });

  it('leaves other accounts’ due messages as they are (their passwords may be the keychain’s): queued, no attempt counted', async () => {
    const { dir } = await dataFolderWithAlice();
    const bob = servers.users[1]!;
    // Bob's account, its password in the OS keychain, with a message due in the outbox when the app quit.
    const b = await startBackend(dir, { undoSeconds: 1, smtp: { extraCertificateAuthorities: [servers.ca] } });
    const bobs = await b.value<Account>('accounts:save', {
      account: { description: 'Bob', email: bob.address, displayName: 'Bob', smtp: { host: servers.host, port: servers.submission.starttlsPort, security: 'starttls', auth: 'password', username: bob.username } },
      password: bob.password,
    });
    const tag = tagged('held');
    const queued = await b.value<OutboxJobView>('outbox:enqueue', {
      draft: { accountId: bobs.id, to: servers.users[2]!.address, cc: '', bcc: '', subject: `Waiting ${tag}`, body: { mode: 'plain', html: '', text: 'x' }, attachments: [] },
    });
    await b.close();
    const secrets = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as { entries: Record<string, string> };
    for (const name of Object.keys(secrets.entries)) if (name.startsWith(`account:${bobs.id}:`)) secrets.entries[name] = 'os1:AAAA';
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets));
    await new Promise((r) => setTimeout(r, 1200)); // Bob's message is due now

    const run = await cli(['send', '--data-dir', dir, '--account', 'Alice work', '--to', bob.address, '--subject', `Mine ${tag}`, '--ca', servers.caFile], { input: 'x' });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    // The outbox as recorded, read with a clock at 1970 so that nothing is due and nothing is tried.
    const recorded = await Outbox.open({ dir: join(dir, 'outbox'), now: () => 0, account: () => fail('ACCOUNT_NOT_FOUND') });
    const held = recorded.list().find((j) => j.id === queued.id);
    await recorded.close();
    expect(held).toMatchObject({ state: 'queued', attempts: 0 });
    expect(held?.lastError).toBeUndefined();
  });

  it('a refused recipient is exit 22 with the server’s words', async () => {
    const { dir } = await dataFolderWithAlice();
    const run = await cli(['send', '--data-dir', dir, '--account', 'alice work', '--to', `nobody@${servers.domain}`, '--subject', 'refused', '--ca', servers.caFile], { input: 'x\n' });
    expect(run.code, run.stdout + run.stderr).toBe(22);
    expect(run.stderr).toMatch(/nobody@.*5\d\d/);
    noStack(run);
  });

  it('a password kept by the OS keychain cannot be read here: exit 21, and it says to start the app', async () => {
    const { dir, account } = await dataFolderWithAlice();
    const secrets = JSON.parse(readFileSync(join(dir, 'secrets.json'), 'utf8')) as { entries: Record<string, string> };
    for (const name of Object.keys(secrets.entries)) if (name.startsWith(`account:${account.id}:`)) secrets.entries[name] = 'os1:AAAA';
    writeFileSync(join(dir, 'secrets.json'), JSON.stringify(secrets));
    const run = await cli(['send', '--data-dir', dir, '--account', 'Alice work', '--to', servers.users[1]!.address, '--subject', 's'], { input: 'x' });
    expect(run.code).toBe(21);
    expect(run.stderr).toContain('Start Mailwright and run this again: it will send it.');
  });

  it('hands the message to the running app, which queues it in its own outbox and delivers it', async () => {
    const { dir } = await dataFolderWithAlice();
    const b = await backendOn(dir);
    const bob = servers.users[1]!;
    const tag = tagged('hand-off');
    const run = await cli(['send', '--account', 'Alice work', '--to', bob.address, '--subject', `Handed ${tag}`, '--json'], { env: { MAILWRIGHT_USER_DATA: dir }, input: `Body ${tag}` });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as { jobId: string };
    expect(result).toMatchObject({ ok: true, via: 'app', state: 'queued', jobId: expect.any(String) });
    const list = await b.value<OutboxJobView[]>('outbox:list', {});
    expect(list.find((j) => j.id === result.jobId)?.summary.subject).toBe(`Handed ${tag}`);
    await waitForMessage(servers, bob, (s) => s.includes(`Handed ${tag}`), 10_000);
    // Answered and cleaned up: nothing left in the spool.
    await until('the spool emptied', () => readdirSync(join(dir, 'cli-spool')).length === 0, 5000);
    // An unknown account is the app's answer, in the command's words.
    const missing = await cli(['send', '--data-dir', dir, '--account', 'Nobody', '--to', bob.address, '--subject', 's'], { input: 'x' });
    expect(missing.code).toBe(20);
    expect(missing.stderr).toContain('No account of Mailwright is called "Nobody"');
    await close(b);
  });

  it('two commands and the app at once: every message delivered exactly once, the outbox whole after', async () => {
    const { dir } = await dataFolderWithAlice();
    const bob = servers.users[1]!;
    const tag = tagged('together');
    const send = (n: number) =>
      cli(['send', '--data-dir', dir, '--account', 'Alice work', '--to', bob.address, '--subject', `Together ${n} ${tag}`, '--ca', servers.caFile, '--json'], { input: `Body ${n} ${tag}` });
    // Two commands race for the lock while the app starts (it waits for a command holding it);
    // two more arrive while the app holds it and are handed over.
    const first = [send(1), send(2)];
    const starting = backendOn(dir);
    const b = await starting;
    const second = [send(3), send(4)];
    const runs = await Promise.all([...first, ...second]);
    for (const run of runs) expect(run.code, run.stdout + run.stderr).toBe(0);
    const results = runs.map((r) => JSON.parse(r.stdout) as { jobId: string; via: string });
    expect(new Set(results.map((r) => r.jobId)).size).toBe(4);
    expect(results.slice(2).map((r) => r.via)).toEqual(['app', 'app']);

    for (let n = 1; n <= 4; n++) await until(`message ${n} delivered`, () => deliveredCount(bob, `Together ${n} ${tag}`) >= 1);
    await new Promise((r) => setTimeout(r, 1000)); // a duplicate would arrive within this
    for (let n = 1; n <= 4; n++) expect(deliveredCount(bob, `Together ${n} ${tag}`), `message ${n}`).toBe(1);
    await until('all sent in the outbox', async () => {
      const list = await b.value<OutboxJobView[]>('outbox:list', {});
      return results.every((r) => list.find((j) => j.id === r.jobId)?.state === 'sent');
    });
    await close(b);

    // The outbox opens cleanly after: every job there once, none damaged.
    const again = await backendOn(dir);
    const list = await again.value<OutboxJobView[]>('outbox:list', {});
    const ours = list.filter((j) => j.summary.subject.includes(tag));
    expect(ours.map((j) => j.state)).toEqual(['sent', 'sent', 'sent', 'sent']);
    expect(list.some((j) => j.damaged)).toBe(false);
    expect(again.pushed.filter((p) => p.event === 'app:noticeAdded')).toEqual([]);
    await close(again);
  }, 120_000);
});

describe('the installed app\'s mailwright script', () => {
  it('runs the app\'s own binary with --mailwright-cli, marked as installed: the command line, no window', async () => {
    // The installed layout (Linux): <app>/mailwright (the binary) and <app>/resources/mailwright (the
    // script). The binary here is a stand-in: Node running the built out/main/main.js with the
    // recording stand-in for electron (test/support/electron-stand-in), which proves our dispatch
    // in main.ts, not Electron itself.
    const app = folder();
    const userData = folder();
    mkdirSync(join(app, 'resources'));
    copyFileSync(join(PROJECT_ROOT, 'bin/packaged/mailwright'), join(app, 'resources/mailwright'));
    chmodSync(join(app, 'resources/mailwright'), 0o755);
    const standIn = join(PROJECT_ROOT, 'test/support/electron-stand-in/register.mjs');
    writeFileSync(
      join(app, 'mailwright'),
      `#!/bin/sh\necho "packaged=$MAILWRIGHT_CLI_PACKAGED" >&2\nexec "${process.execPath}" --import "${standIn}" "${join(PROJECT_ROOT, 'out/main/main.js')}" "$@"\n`,
      { mode: 0o755 },
    );
    const run = await new Promise<Run>((resolve) => {
      const child = spawn(join(app, 'resources/mailwright'), ['check', `127.0.0.1:1`, '--from', 'a@example.org', '--json'], {
        cwd: PROJECT_ROOT,
        env: { ...process.env, MAILWRIGHT_USER_DATA: userData, STAND_IN_APP_PATH: PROJECT_ROOT },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });
    expect(run.stderr).toContain('packaged=1');
    expect(run.code, run.stdout + run.stderr).toBe(10);
    expect(JSON.parse(run.stdout)).toMatchObject({ command: 'check', exitCode: 10, failed: { stage: 'connect', code: 'CONNECTION_REFUSED' } });
    // The app itself did not start: it would have written its settings and logs into the data folder.
    expect(readdirSync(userData)).toEqual([]);
  });
});

describe('mailwright sandbox', () => {
  it('prints where it listens and its credentials, each message as it arrives, and stops on Ctrl-C', async () => {
    const dir = folder();
    const child = spawn(process.execPath, [BUNDLE, 'sandbox', '--dir', join(dir, 'captured'), '--json', '--fault', 'rcpt:550:*@refused.example'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Array<Record<string, unknown>> = [];
    let buffer = '';
    child.stdout.on('data', (d: Buffer) => {
      buffer += d.toString();
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        lines.push(JSON.parse(buffer.slice(0, nl)) as Record<string, unknown>);
        buffer = buffer.slice(nl + 1);
      }
    });
    const ended = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      await until('listening', () => lines.length > 0, 10_000);
      const listening = lines[0] as { event: string; port: number; user: string; password: string; faults: unknown[] };
      expect(listening).toMatchObject({ event: 'listening', host: '127.0.0.1', port: expect.any(Number), user: 'mailwright', faults: [{ kind: 'reply', stage: 'rcpt', code: 550 }] });
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: listening.port, secure: false, ignoreTLS: true, auth: { user: listening.user, pass: listening.password } });
      const tag = tagged('sandbox');
      await transport.sendMail({ from: 'dev@example.org', to: 'someone@example.org', subject: `Captured ${tag}`, text: 'hello' });
      transport.close();
      await until('captured', () => lines.some((l) => l.event === 'captured'), 10_000);
      expect(lines.find((l) => l.event === 'captured')).toMatchObject({ mailFrom: 'dev@example.org', rcptTo: ['someone@example.org'], subject: `Captured ${tag}` });
    } finally {
      child.kill('SIGINT');
    }
    expect(await ended).toBe(0);
    expect(lines.at(-1)).toMatchObject({ event: 'stopped', captured: 1 });
  });
});
