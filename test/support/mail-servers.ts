// Real Dovecot (IMAP + POP3) and Postfix (submission) on 127.0.0.1 for integration and e2e tests.
//
// Everything of one instance lives in one temporary folder: configs, CA and certificates, the
// passwd-file, maildirs, Postfix's queue and data directories, logs and PID files. Ports are
// picked free at start, so several instances can run side by side (vitest and playwright, or
// several test files). Needs root (Postfix's master must start as root) on Linux, with the Debian
// packages dovecot-imapd, dovecot-pop3d, postfix and openssl.
//
// Mail sent through submission to <user>@<domain> is delivered by Postfix's own `virtual` agent
// into the maildir that Dovecot serves; mail for any other domain is refused at delivery
// (`default_transport = error`), so nothing ever leaves the machine.

import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { chmod, chown, mkdir, mkdtemp, open, readFile, readdir, rm, utimes, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestCa } from './test-ca';

export interface MailUser {
  address: string;
  username: string;
  password: string;
}

export interface MailServers {
  host: '127.0.0.1';
  domain: string;
  /** PEM of the CA that signed the servers' certificate (valid for localhost and 127.0.0.1). */
  ca: string;
  caFile: string;
  /** Postfix. Both ports require AUTH; STARTTLS is mandatory on starttlsPort. */
  submission: { starttlsPort: number; tlsPort: number };
  /** Dovecot. */
  imap: { starttlsPort: number; tlsPort: number };
  /** Dovecot. */
  pop3: { starttlsPort: number; tlsPort: number };
  /** alice, bob and carol @domain; username is the full address. */
  users: MailUser[];
  /** Any address @bounceDomain is accepted at submission, then bounced (5.1.1) with a DSN to the sender. */
  bounceDomain: string;
  /** A user's maildir (cur/, new/, tmp/ and .Folder subfolders), owned by `mailOwner`. */
  maildir(user: MailUser): string;
  /** uid/gid that Dovecot and Postfix's virtual agent write mail as; files put in a maildir must belong to them. */
  mailOwner: { uid: number; gid: number };
  dir: string;
  /** Postfix's maillog_file and Dovecot's log (plus the start commands' output). */
  log(): Promise<string>;
  /** Stops both servers by PID and removes the temporary folder. Idempotent, bounded in time. */
  stop(): Promise<void>;
}

/**
 * Lets Dovecot IMAP and POP3, and Postfix submission through Dovecot's SASL, accept OAuth2 access
 * tokens (XOAUTH2 and OAUTHBEARER) beside passwords: each token is introspected at the
 * authorization server. startOAuthServer().introspection has this shape.
 */
export interface MailServersOAuth {
  /** e.g. http://127.0.0.1:<port>/token/introspection */
  introspectionUrl: string;
  /** The confidential client Dovecot authenticates as when it introspects (HTTP Basic). */
  clientId: string;
  clientSecret: string;
}

const HOST = '127.0.0.1' as const;
const DOMAIN = 'mailwright.test';
const BOUNCE_DOMAIN = 'bounce.mailwright.test';
const USER_NAMES = ['alice', 'bob', 'carol'];
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
const START_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------
// Processes
//
// Each server runs under a small Perl supervisor (perl-base is Essential on Debian) that makes
// itself a Linux "child subreaper" (prctl PR_SET_CHILD_SUBREAPER) and reaps every descendant.
// Without it the Postfix master, which daemonizes, and its children, which outlive it by a few
// milliseconds, are re-parented to PID 1 when stopped; in containers PID 1 often reaps nothing,
// and they stay behind as zombies. The supervisor prints "pid N" for the command it starts and
// "exit N" / "signal N" when that command ends, and exits itself once no descendant is left.

const SUPERVISOR = String.raw`
use strict; use warnings; use Config;
$SIG{PIPE} = 'IGNORE'; $| = 1;
my %prctl = (x86_64 => 157, aarch64 => 167, i386 => 172, arm => 172, ppc64le => 171, s390x => 172);
my ($arch) = $Config{archname} =~ /^([^-]+)/;
syscall($prctl{$arch}, 36, 1, 0, 0, 0) if defined $arch && exists $prctl{$arch};
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) { setpgrp(0, 0); exec { $ARGV[0] } @ARGV or die "exec $ARGV[0]: $!\n"; }
print "pid $pid\n";
my $code = 1;
while ((my $p = wait()) > 0) {
  next unless $p == $pid;
  if ($? & 127) { print "signal ", ($? & 127), "\n"; } else { $code = $? >> 8; print "exit $code\n"; }
}
exit $code;
`;

interface Supervised {
  /** The supervisor process itself. */
  wrapper: ChildProcess;
  /** PID of the command; it is also its process group id. */
  pid: Promise<number>;
  /** Resolves with "exit N" or "signal N" when the command (not its descendants) ends. */
  commandExit: Promise<string>;
  /** Resolves when the supervisor has exited: the command and all its descendants are gone. */
  done: Promise<void>;
  isDone(): boolean;
}

async function supervise(argv: string[], outFile: string): Promise<Supervised> {
  const out = await open(outFile, 'a');
  let wrapper: ChildProcess;
  try {
    wrapper = spawn('perl', ['-e', SUPERVISOR, '--', ...argv], { stdio: ['ignore', 'pipe', out.fd] });
  } finally {
    await out.close();
  }
  let finished = false;
  let resolvePid!: (pid: number) => void;
  let resolveExit!: (status: string) => void;
  const pid = new Promise<number>((resolve) => (resolvePid = resolve));
  const commandExit = new Promise<string>((resolve) => (resolveExit = resolve));
  const done = new Promise<void>((resolve) => {
    wrapper.once('exit', (code, signal) => {
      finished = true;
      resolvePid(-1);
      resolveExit(`supervisor ended (${signal ?? code})`);
      resolve();
    });
    wrapper.once('error', (err) => {
      finished = true;
      resolvePid(-1);
      resolveExit(`cannot run perl: ${err.message}`);
      resolve();
    });
  });
  let buffer = '';
  wrapper.stdout?.setEncoding('utf8');
  wrapper.stdout?.on('data', (chunk: string) => {
    buffer += chunk;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      const m = /^pid (\d+)$/.exec(line);
      if (m) resolvePid(Number(m[1]));
      else if (/^(exit|signal) \d+$/.test(line)) resolveExit(line);
    }
  });
  return { wrapper, pid, commandExit, done, isDone: () => finished };
}

/** Live (non-zombie) processes whose process group is `pgid`, found through /proc. */
function liveProcessesInGroup(pgid: number): number[] {
  const pids: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return pids;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ..."; comm may contain spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] !== 'Z' && Number(fields[2]) === pgid) pids.push(Number(entry));
  }
  return pids;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (condition()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(20);
  }
}

/**
 * SIGTERM to `target` (a master process, or a whole group as -pgid), then SIGKILL to the process
 * group `pgid` if anything is left after STOP_TIMEOUT_MS.
 */
async function terminate(what: string, target: number | undefined, pgid: number | undefined, sup: Supervised | undefined): Promise<void> {
  const gone = (): boolean => (pgid === undefined || liveProcessesInGroup(pgid).length === 0) && (!sup || sup.isDone());
  if (target !== undefined) signal(target, 'SIGTERM');
  if (await waitUntil(gone, STOP_TIMEOUT_MS)) return;
  if (pgid !== undefined) signal(-pgid, 'SIGKILL');
  if (await waitUntil(gone, 2_000)) return;
  if (sup && !sup.isDone()) sup.wrapper.kill('SIGKILL');
  const left = pgid === undefined ? [] : liveProcessesInGroup(pgid);
  if (left.length) throw new Error(`${what} processes ${left.join(', ')} survived SIGKILL`);
}

// Safety net: if a test process exits without calling stop(), kill what it started.
const running = new Map<string, { groups: () => number[]; dir: string | undefined }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const instance of running.values()) {
      for (const pgid of instance.groups()) signal(-pgid, 'SIGKILL');
      if (instance.dir) rmSync(instance.dir, { recursive: true, force: true });
    }
  });
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function lookupUser(name: string): { uid: number; gid: number } | undefined {
  for (const line of readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return undefined;
}

function lookupGroup(name: string): number {
  for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return Number(f[2]);
  }
  throw new Error(`system group "${name}" is missing (is the Debian package installed?)`);
}

/** Races `promise` against a timer that is always cleared (no timer keeps the process alive). */
async function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(message())), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function requireUser(name: string): { uid: number; gid: number } {
  const user = lookupUser(name);
  if (!user) throw new Error(`system user "${name}" is missing (is the Debian package installed?)`);
  return user;
}

/** Distinct free ports: hold them all open at once so the kernel hands out different ones. */
async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const server = net.createServer();
          server.once('error', reject);
          server.listen(0, HOST, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

/**
 * Connects (plain or implicit TLS), reads the first line and resolves true if it is a greeting
 * carrying `token`. Proves the port is served by this instance, not by whoever else took it.
 */
function greets(port: number, token: string, ca: string | undefined): Promise<boolean> {
  return new Promise((resolve) => {
    let settled = false;
    let buffer = '';
    const socket = ca
      ? tls.connect({ host: HOST, port, ca, servername: 'localhost' })
      : net.connect({ host: HOST, port });
    const finish = (ok: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => finish(false), 2_000);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      if (buffer.includes('\n')) finish(buffer.includes(token));
    });
    socket.on('error', () => finish(false));
    socket.on('close', () => finish(false));
  });
}

async function readIfExists(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return '';
  }
}

// ---------------------------------------------------------------------------------------------
// Configuration files

interface Layout {
  dir: string;
  id: string;
  token: string;
  tlsCert: string;
  tlsKey: string;
  dovecotDir: string;
  dovecotConf: string;
  passwdFile: string;
  postfixEtc: string;
  queueDir: string;
  dataDir: string;
  mailDir: string;
  logDir: string;
  postfixLog: string;
  dovecotLog: string;
  postfixOut: string;
  dovecotOut: string;
  /** Dovecot's oauth2 passdb settings (dovecot-oauth2.conf.ext), when started with `oauth`. */
  oauthConf: string | undefined;
}

interface Ports {
  submission: { starttlsPort: number; tlsPort: number };
  imap: { starttlsPort: number; tlsPort: number };
  pop3: { starttlsPort: number; tlsPort: number };
}

function dovecotConfig(l: Layout, p: Ports, mail: { uid: number; gid: number }): string {
  return `# Generated by test/support/mail-servers.ts
instance_name = mailwright-${l.id}
base_dir = ${l.dovecotDir}/run
state_dir = ${l.dovecotDir}/state
log_path = ${l.dovecotLog}
info_log_path = ${l.dovecotLog}
protocols = imap pop3
listen = ${HOST}
login_greeting = Mailwright test ${l.token} ready.

ssl = yes
ssl_cert = <${l.tlsCert}
ssl_key = <${l.tlsKey}
disable_plaintext_auth = yes
auth_mechanisms = plain login${l.oauthConf ? ' xoauth2 oauthbearer' : ''}
auth_failure_delay = 0
auth_verbose = yes

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%Lu ${l.passwdFile}${l.oauthConf ? '\n  # Passwords only: tokens never reach the password file.\n  mechanisms = plain login' : ''}
}${l.oauthConf ? oauthPassdb(l.oauthConf) : ''}
userdb {
  driver = static
  args = uid=${mail.uid} gid=${mail.gid} home=${l.mailDir}/%Ld/%Ln
}
first_valid_uid = ${mail.uid}
first_valid_gid = ${mail.gid}
mail_location = maildir:~/Maildir

service imap-login {
  inet_listener imap {
    address = ${HOST}
    port = ${p.imap.starttlsPort}
  }
  inet_listener imaps {
    address = ${HOST}
    port = ${p.imap.tlsPort}
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = ${HOST}
    port = ${p.pop3.starttlsPort}
  }
  inet_listener pop3s {
    address = ${HOST}
    port = ${p.pop3.tlsPort}
    ssl = yes
  }
}
# SASL for Postfix's smtpd (smtpd_sasl_path = private/auth, relative to its queue directory).
service auth {
  unix_listener ${l.queueDir}/private/auth {
    mode = 0660
    user = postfix
    group = postfix
  }
}
# No login penalty after a failed authentication (wrong-password tests).
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
`;
}

/**
 * Dovecot's oauth2 passdb: XOAUTH2 and OAUTHBEARER tokens are checked by introspection at the
 * authorization server (opaque tokens; oidc-provider cannot introspect JWTs). The user is the
 * token's `email`, which must equal the SASL user name. The userdb stays the static one, so a user
 * signed in with a token gets the same home and maildir as with the password.
 */
function oauthPassdb(confFile: string): string {
  return `
passdb {
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = ${confFile}
}`;
}

function oauthConfig(oauth: MailServersOAuth): string {
  // The introspection client's credentials go into the URL: Dovecot sends them as HTTP Basic.
  const url = new URL(oauth.introspectionUrl);
  url.username = encodeURIComponent(oauth.clientId);
  url.password = encodeURIComponent(oauth.clientSecret);
  return `# Generated by test/support/mail-servers.ts
introspection_mode = post
introspection_url = ${url.toString()}
username_attribute = email
active_attribute = active
active_value = true
force_introspection = yes
timeout_msecs = 5000
`;
}

function postfixMain(l: Layout, mail: { uid: number; gid: number }): string {
  return `# Generated by test/support/mail-servers.ts
compatibility_level = 3.6
queue_directory = ${l.queueDir}
data_directory = ${l.dataDir}
mail_owner = postfix
setgid_group = postdrop
maillog_file = ${l.postfixLog}
maillog_file_prefixes = ${l.logDir}

myhostname = mail.${DOMAIN}
mydomain = ${DOMAIN}
myorigin = $mydomain
mydestination =
relay_domains =
inet_interfaces = ${HOST}
inet_protocols = ipv4
mynetworks = ${HOST}/32
smtpd_banner = $myhostname ESMTP Mailwright test ${l.token}
smtpd_peername_lookup = no
biff = no

# Mail for the test domain goes into Dovecot's maildirs; anything else never leaves the machine.
virtual_mailbox_domains = ${DOMAIN}
virtual_mailbox_base = ${l.mailDir}
virtual_mailbox_maps = texthash:${l.postfixEtc}/vmailbox
virtual_uid_maps = static:${mail.uid}
virtual_gid_maps = static:${mail.gid}
virtual_minimum_uid = ${mail.uid}
virtual_mailbox_limit = 0
# bob+anything@ goes to bob (a merge test sends one personal message per row to distinct addresses).
recipient_delimiter = +
message_size_limit = 52428800
default_transport = error:outbound mail is disabled in Mailwright tests
# Mail for ${BOUNCE_DOMAIN} is accepted at submission and then bounced by the nosuchuser transport
# (master.cf): the sender gets Postfix's real RFC 3464 delivery status notification in their maildir.
transport_maps = texthash:${l.postfixEtc}/transport
relay_transport = error:outbound mail is disabled in Mailwright tests
local_transport = error:local delivery is disabled in Mailwright tests
alias_maps =
alias_database =
local_recipient_maps =
delay_warning_time = 0

smtpd_tls_cert_file = ${l.tlsCert}
smtpd_tls_key_file = ${l.tlsKey}
smtpd_tls_security_level = encrypt
smtpd_tls_auth_only = yes
smtpd_tls_loglevel = 1
smtpd_tls_session_cache_database =

smtpd_sasl_auth_enable = yes
smtpd_sasl_type = dovecot
smtpd_sasl_path = private/auth
smtpd_sasl_security_options = noanonymous
smtpd_client_restrictions = permit_sasl_authenticated, reject
smtpd_relay_restrictions = permit_sasl_authenticated, reject
smtpd_recipient_restrictions = permit_sasl_authenticated, reject
`;
}

function postfixMaster(p: Ports, bouncer: string): string {
  const svc = (name: string, type: string, priv: string, unpriv: string, wakeup: string, limit: string, cmd: string): string =>
    `${name.padEnd(18)} ${type.padEnd(10)} ${priv} ${unpriv} n ${wakeup} ${limit} ${cmd}`;
  return [
    '# Generated by test/support/mail-servers.ts. No port 25; chroot off everywhere.',
    svc(`${HOST}:${p.submission.starttlsPort}`, 'inet', 'n', '-', '-', '-', 'smtpd'),
    '  -o syslog_name=postfix/submission',
    '  -o smtpd_tls_security_level=encrypt',
    svc(`${HOST}:${p.submission.tlsPort}`, 'inet', 'n', '-', '-', '-', 'smtpd'),
    '  -o syslog_name=postfix/submissions',
    '  -o smtpd_tls_wrappermode=yes',
    svc('pickup', 'unix', 'n', '-', '60', '1', 'pickup'),
    svc('cleanup', 'unix', 'n', '-', '-', '0', 'cleanup'),
    svc('qmgr', 'unix', 'n', '-', '300', '1', 'qmgr'),
    svc('tlsmgr', 'unix', '-', '-', '1000?', '1', 'tlsmgr'),
    svc('rewrite', 'unix', '-', '-', '-', '-', 'trivial-rewrite'),
    svc('bounce', 'unix', '-', '-', '-', '0', 'bounce'),
    svc('defer', 'unix', '-', '-', '-', '0', 'bounce'),
    svc('trace', 'unix', '-', '-', '-', '0', 'bounce'),
    svc('verify', 'unix', '-', '-', '-', '1', 'verify'),
    svc('flush', 'unix', 'n', '-', '1000?', '0', 'flush'),
    svc('proxymap', 'unix', '-', '-', '-', '-', 'proxymap'),
    svc('proxywrite', 'unix', '-', '-', '-', '1', 'proxymap'),
    svc('smtp', 'unix', '-', '-', '-', '-', 'smtp'),
    svc('relay', 'unix', '-', '-', '-', '-', 'smtp'),
    svc('showq', 'unix', 'n', '-', '-', '-', 'showq'),
    svc('error', 'unix', '-', '-', '-', '-', 'error'),
    svc('retry', 'unix', '-', '-', '-', '-', 'error'),
    svc('discard', 'unix', '-', '-', '-', '-', 'discard'),
    svc('local', 'unix', '-', 'n', '-', '-', 'local'),
    svc('virtual', 'unix', '-', 'n', '-', '-', 'virtual'),
    svc('lmtp', 'unix', '-', '-', '-', '-', 'lmtp'),
    // The "remote" mailbox of the bounce domain does not exist: the command exits EX_NOUSER (67)
    // after the message was accepted, and Postfix returns a DSN to the sender.
    svc('nosuchuser', 'unix', '-', 'n', '-', '-', 'pipe'),
    `  flags=q user=nobody argv=${bouncer} \${recipient}`,
    svc('anvil', 'unix', '-', '-', '-', '1', 'anvil'),
    svc('scache', 'unix', '-', '-', '-', '1', 'scache'),
    svc('postlog', 'unix-dgram', 'n', '-', '-', '1', 'postlogd'),
    '',
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------

/**
 * Starts Dovecot and Postfix in a fresh temporary folder (mkdtemp under os.tmpdir()).
 * With `opts.dir`, that folder is used instead (created if missing, should be empty) and is kept
 * by stop(), for looking at configs and logs afterwards.
 */
export async function startMailServers(opts: { dir?: string; oauth?: MailServersOAuth } = {}): Promise<MailServers> {
  if (process.platform !== 'linux' || process.getuid?.() !== 0) {
    throw new Error('startMailServers() needs Linux and root: Postfix must be started as root');
  }
  const mailUser = lookupUser('mail') ?? requireUser('nobody');
  const postfixUser = requireUser('postfix');
  const postdropGid = lookupGroup('postdrop');
  const dovecotUser = requireUser('dovecot');
  requireUser('dovenull');

  const ownDir = opts.dir === undefined;
  const dir = opts.dir ? path.resolve(opts.dir) : await mkdtemp(path.join(os.tmpdir(), 'mailwright-mail-'));
  await mkdir(dir, { recursive: true });
  // Traversable for the unprivileged users (postfix, dovecot, dovenull, mail); not listable.
  await chmod(dir, 0o711);

  const id = path.basename(dir).replace(/[^A-Za-z0-9_-]/g, '') || randomBytes(4).toString('hex');
  const l: Layout = {
    dir,
    id,
    token: `${id}-${randomBytes(4).toString('hex')}`,
    tlsCert: '',
    tlsKey: '',
    dovecotDir: path.join(dir, 'dovecot'),
    dovecotConf: path.join(dir, 'dovecot', 'dovecot.conf'),
    passwdFile: path.join(dir, 'dovecot', 'passwd'),
    postfixEtc: path.join(dir, 'postfix', 'etc'),
    queueDir: path.join(dir, 'postfix', 'queue'),
    dataDir: path.join(dir, 'postfix', 'data'),
    mailDir: path.join(dir, 'mail'),
    logDir: path.join(dir, 'logs'),
    postfixLog: path.join(dir, 'logs', 'postfix.log'),
    dovecotLog: path.join(dir, 'logs', 'dovecot.log'),
    postfixOut: path.join(dir, 'logs', 'postfix-start.out'),
    dovecotOut: path.join(dir, 'logs', 'dovecot.out'),
    oauthConf: opts.oauth ? path.join(dir, 'dovecot', 'dovecot-oauth2.conf.ext') : undefined,
  };

  let dovecot: { sup: Supervised; pid: number | undefined } | undefined;
  let postfix: { sup: Supervised; masterPid: number | undefined } | undefined;
  let stopping: Promise<void> | undefined;

  const log = async (): Promise<string> => {
    const parts: string[] = [];
    for (const [title, file] of [
      ['postfix start', l.postfixOut],
      ['postfix maillog_file', l.postfixLog],
      ['dovecot stdout/stderr', l.dovecotOut],
      ['dovecot log', l.dovecotLog],
    ] as const) {
      const text = await readIfExists(file);
      if (text) parts.push(`===== ${title} (${file}) =====\n${text}`);
    }
    return parts.join('\n');
  };

  /** The running Postfix master of this instance, from its PID file (checked against /proc). */
  const readMasterPid = async (): Promise<number | undefined> => {
    const pid = Number.parseInt((await readIfExists(path.join(l.queueDir, 'pid', 'master.pid'))).trim(), 10);
    if (!Number.isInteger(pid) || pid <= 1) return undefined;
    const stat = await readIfExists(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // The master runs in its own session and process group (setsid): pid == pgrp.
    return stat.includes('(master)') && fields[0] !== 'Z' && Number(fields[2]) === pid ? pid : undefined;
  };

  const groups = (): number[] =>
    [postfix?.masterPid, dovecot?.pid].filter((p): p is number => p !== undefined && p > 1);

  const stopProcesses = async (): Promise<void> => {
    const tasks: Promise<void>[] = [];
    if (postfix) {
      const pf = postfix;
      tasks.push(
        (async () => {
          // `postfix start` may still be running if start-up failed elsewhere: it is short.
          await withTimeout(pf.sup.commandExit, STOP_TIMEOUT_MS, () => 'postfix start hung').catch(() => undefined);
          pf.masterPid ??= await readMasterPid();
          // What `postfix -c DIR stop` does, without its 1 s polling: SIGTERM to the master
          // (pid/master.pid), which terminates its children.
          await terminate('postfix', pf.masterPid, pf.masterPid, pf.sup);
          postfix = undefined;
        })(),
      );
    }
    if (dovecot) {
      const dc = dovecot;
      tasks.push(
        (async () => {
          dc.pid ??= await withTimeout(dc.sup.pid, 1_000, () => 'no pid').catch(() => undefined);
          const pid = dc.pid !== undefined && dc.pid > 1 ? dc.pid : undefined;
          // SIGTERM to the whole group: sent to the master alone, Dovecot takes 1 s to shut down.
          await terminate('dovecot', pid === undefined ? undefined : -pid, pid, dc.sup);
          dovecot = undefined;
        })(),
      );
    }
    const errors = (await Promise.allSettled(tasks)).flatMap((r) => (r.status === 'rejected' ? [r.reason] : []));
    if (errors.length) throw new AggregateError(errors, 'stopping the mail servers failed');
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      try {
        await stopProcesses();
      } finally {
        running.delete(dir);
        if (ownDir) await rm(dir, { recursive: true, force: true, maxRetries: 3 });
      }
    })();
    return stopping;
  };

  installExitHook();
  running.set(dir, { groups, dir: ownDir ? dir : undefined });

  try {
    // --- certificates, users, mail storage
    const ca = await createTestCa(path.join(dir, 'ca'));
    const serverCert = await ca.issue('server', { hosts: ['localhost', HOST] });
    l.tlsCert = serverCert.certFile;
    l.tlsKey = serverCert.keyFile;

    const users: MailUser[] = USER_NAMES.map((name) => ({
      address: `${name}@${DOMAIN}`,
      username: `${name}@${DOMAIN}`,
      password: randomBytes(18).toString('base64url'),
    }));

    for (const d of [l.dovecotDir, l.postfixEtc, l.logDir, path.join(l.dovecotDir, 'state')]) {
      await mkdir(d, { recursive: true, mode: 0o755 });
    }
    await writeFile(l.passwdFile, users.map((u) => `${u.username}:{PLAIN}${u.password}::::::\n`).join(''), { mode: 0o640 });
    await chown(l.passwdFile, 0, dovecotUser.gid);
    if (opts.oauth && l.oauthConf) {
      // Holds the introspection client's secret: readable by Dovecot's auth process (user dovecot) only.
      await writeFile(l.oauthConf, oauthConfig(opts.oauth), { mode: 0o640 });
      await chown(l.oauthConf, 0, dovecotUser.gid);
      await chmod(l.oauthConf, 0o640);
    }
    await writeFile(
      path.join(l.postfixEtc, 'vmailbox'),
      users.map((u) => `${u.address} ${DOMAIN}/${u.address.split('@')[0]}/Maildir/\n`).join(''),
    );
    await mkdir(l.mailDir, { mode: 0o750 });
    await chown(l.mailDir, mailUser.uid, mailUser.gid);

    // Postfix's queue and data directories, with the owners and modes of its postfix-files
    // (what `post-install create-missing` would do). With them in place the `quick-start` flag
    // lets `postfix start` skip its integrity checks, which take about 2 s.
    const pf = { uid: postfixUser.uid, gid: postfixUser.gid };
    const root = { uid: 0, gid: 0 };
    const postdrop = { uid: postfixUser.uid, gid: postdropGid };
    const queueDirs: Array<[string, { uid: number; gid: number }, number]> = [
      [l.queueDir, root, 0o755],
      ...['active', 'bounce', 'corrupt', 'defer', 'deferred', 'flush', 'hold', 'incoming', 'private', 'saved', 'trace'].map(
        (d): [string, { uid: number; gid: number }, number] => [path.join(l.queueDir, d), pf, 0o700],
      ),
      [path.join(l.queueDir, 'maildrop'), postdrop, 0o730],
      [path.join(l.queueDir, 'public'), postdrop, 0o710],
      [path.join(l.queueDir, 'pid'), root, 0o755],
      [l.dataDir, pf, 0o700],
    ];
    for (const [d, owner, mode] of queueDirs) {
      await mkdir(d, { recursive: true });
      await chown(d, owner.uid, owner.gid);
      await chmod(d, mode);
    }

    const bouncer = path.join(l.postfixEtc, 'nosuchuser.sh');
    await writeFile(bouncer, '#!/bin/sh\necho "550 5.1.1 <$1>: The email account that you tried to reach does not exist"\nexit 67\n', { mode: 0o755 });

    // --- start, retrying with new ports if one was taken in the meantime
    let ports: Ports | undefined;
    for (let attempt = 1; ; attempt++) {
      const [a, b, c, d, e, f] = await freePorts(6);
      ports = {
        submission: { starttlsPort: a!, tlsPort: b! },
        imap: { starttlsPort: c!, tlsPort: d! },
        pop3: { starttlsPort: e!, tlsPort: f! },
      };
      await writeFile(l.dovecotConf, dovecotConfig(l, ports, mailUser));
      await writeFile(path.join(l.postfixEtc, 'main.cf'), postfixMain(l, mailUser));
      await writeFile(path.join(l.postfixEtc, 'master.cf'), postfixMaster(ports, bouncer));
      // Postfix waits ~2 s before reading a main.cf or lookup table (texthash:vmailbox) that
      // was modified within the last 2 s (`postfix start` and each new smtpd): backdate them.
      const past = new Date(Date.now() - 60_000);
      await writeFile(path.join(l.postfixEtc, 'transport'), `${BOUNCE_DOMAIN} nosuchuser:\n`);
      for (const f of ['main.cf', 'master.cf', 'vmailbox', 'transport']) await utimes(path.join(l.postfixEtc, f), past, past);
      try {
        await startOnce(ports);
        break;
      } catch (err) {
        await stopProcesses().catch(() => undefined);
        const logs = await log();
        if (attempt < START_ATTEMPTS && /address already in use/i.test(logs)) {
          for (const file of [l.postfixOut, l.dovecotOut, l.postfixLog, l.dovecotLog]) await rm(file, { force: true });
          continue;
        }
        throw new Error(`${(err as Error).message}\n${logs}`, { cause: err });
      }
    }

    return {
      host: HOST,
      domain: DOMAIN,
      ca: ca.cert,
      caFile: ca.certFile,
      submission: ports.submission,
      imap: ports.imap,
      pop3: ports.pop3,
      users,
      bounceDomain: BOUNCE_DOMAIN,
      maildir: (user: MailUser) => path.join(l.mailDir, DOMAIN, user.address.split('@')[0] ?? '', 'Maildir'),
      mailOwner: { uid: mailUser.uid, gid: mailUser.gid },
      dir,
      log,
      stop,
    };
  } catch (err) {
    await stop().catch(() => undefined);
    throw err;
  }

  async function startOnce(ports: Ports): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    const remaining = (): number => Math.max(0, deadline - Date.now());

    // Dovecot in the foreground (-F); it is the process group leader of all its children.
    const dc: { sup: Supervised; pid: number | undefined } = {
      sup: await supervise(['dovecot', '-F', '-c', l.dovecotConf], l.dovecotOut),
      pid: undefined,
    };
    dovecot = dc;
    const dovecotEnded = dc.sup.commandExit.then((status) => Promise.reject(new Error(`dovecot ended during start-up: ${status}`)));
    dovecotEnded.catch(() => undefined);
    void dc.sup.pid.then((pid) => {
      if (pid > 1) dc.pid = pid;
    });

    // Postfix: `postfix start` daemonizes the master (setsid) and returns once it is initialized.
    await writeFile(path.join(l.queueDir, 'quick-start'), '');
    const pfx: { sup: Supervised; masterPid: number | undefined } = {
      sup: await supervise(['postfix', '-c', l.postfixEtc, 'start'], l.postfixOut),
      masterPid: undefined,
    };
    postfix = pfx;
    const status = await withTimeout(
      Promise.race([pfx.sup.commandExit, dovecotEnded]),
      remaining(),
      () => `postfix start did not finish in ${START_TIMEOUT_MS} ms`,
    );
    pfx.masterPid = await readMasterPid();
    if (status !== 'exit 0') throw new Error(`postfix start failed: ${status}`);
    if (pfx.masterPid === undefined) throw new Error('postfix master is not running after postfix start');
    const masterPid = pfx.masterPid;

    // Ready when every port greets with this instance's token (not some other process's).
    const ca = await readFile(path.join(dir, 'ca', 'ca.pem'), 'utf8');
    const checks: Array<[string, number, boolean]> = [
      ['submission STARTTLS', ports.submission.starttlsPort, false],
      ['submission TLS', ports.submission.tlsPort, true],
      ['IMAP', ports.imap.starttlsPort, false],
      ['IMAPS', ports.imap.tlsPort, true],
      ['POP3', ports.pop3.starttlsPort, false],
      ['POP3S', ports.pop3.tlsPort, true],
    ];
    const pending = new Set(checks.map(([name]) => name));
    const authSocket = path.join(l.queueDir, 'private', 'auth');
    let over = false;
    const poll = async (): Promise<void> => {
      while (!over) {
        if (liveProcessesInGroup(masterPid).length === 0) throw new Error('postfix master died during start-up');
        await Promise.all(
          checks
            .filter(([name]) => pending.has(name))
            .map(async ([name, port, useTls]) => {
              if (await greets(port, l.token, useTls ? ca : undefined)) pending.delete(name);
            }),
        );
        // smtpd needs Dovecot's auth socket too.
        if (pending.size === 0 && (await readdir(path.dirname(authSocket))).includes('auth')) return;
        await sleep(25);
      }
    };
    try {
      await withTimeout(
        Promise.race([poll(), dovecotEnded]),
        remaining(),
        () => `mail servers not ready after ${START_TIMEOUT_MS} ms: ${[...pending].join(', ') || 'auth socket'}`,
      );
    } finally {
      over = true;
    }
  }
}
