// A real DNS server for tests: dnsmasq (Debian package `dnsmasq-base`) in the foreground on a free
// port of 127.0.0.1, answering only from the records it is given.
//
// Records are dnsmasq config lines, e.g.
//   'address=/autoconfig.example.test/127.0.0.1'
//   'srv-host=_submissions._tcp.example.test,smtp.example.test,465,0,1'
//   'srv-host=_submission._tcp.example.test'          (target ".": service not offered)
//   'mx-host=example.test,aspmx.l.google.com,10'
//   'local=/test/'   names under .test that have no record get NXDOMAIN; without such a line
//                    dnsmasq answers REFUSED for them, since it has no upstream server.
// Note that `address=/name/` covers every name below `name` as well.

import { spawn, type ChildProcess } from 'node:child_process';
import { promises as dns } from 'node:dns';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface DnsServer {
  port: number;
  /** For dns.Resolver#setServers or discovery's `dnsServers`: ['127.0.0.1:<port>']. */
  servers: string[];
  stop(): Promise<void>;
}

/** A port free for both UDP and TCP right now (dnsmasq listens on both). */
async function freePort(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => resolve((tcp.address() as AddressInfo).port));
    });
    const udp = createSocket('udp4');
    const udpFree = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((r) => tcp.close(() => r()));
    await new Promise<void>((r) => udp.close(() => r()));
    if (udpFree) return port;
  }
  throw new Error('no free port for dnsmasq');
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null
    ? Promise.resolve()
    : new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Waits until dnsmasq answers a query (any answer, even NXDOMAIN, means it is up). */
async function waitUntilAnswering(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const resolver = new dns.Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  const deadline = Date.now() + 5_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`dnsmasq exited (${child.exitCode}): ${log()}`);
    try {
      await resolver.resolve4('dnsmasq-readiness-probe.invalid');
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ECONNREFUSED' && code !== 'ETIMEOUT') return;
    }
    if (Date.now() > deadline) throw new Error(`dnsmasq did not answer on port ${port}: ${log()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function startDnsServer(records: string[]): Promise<DnsServer> {
  for (const line of records) {
    if (/[\r\n]/.test(line)) throw new Error(`a dnsmasq record must be one line: ${JSON.stringify(line)}`);
  }
  let lastError: unknown;
  // A port found free can be taken before dnsmasq binds it: try again on another.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), 'mailwright-dnsmasq-'));
    const conf = join(dir, 'dnsmasq.conf');
    writeFileSync(
      conf,
      [
        `port=${port}`,
        'listen-address=127.0.0.1',
        'bind-interfaces',
        'no-resolv',
        'no-hosts',
        'no-poll',
        // No PID file (the default is under /run) and log lines to stderr, kept for error messages.
        'pid-file=',
        'log-facility=-',
        ...records,
        '',
      ].join('\n'),
    );
    const child = spawn('dnsmasq', ['--keep-in-foreground', `--conf-file=${conf}`], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
    const spawnError = new Promise<never>((_, reject) =>
      child.once('error', (err) =>
        reject(
          (err as { code?: string }).code === 'ENOENT'
            ? new Error('dnsmasq is not installed (apt-get install -y --no-install-recommends dnsmasq-base)')
            : err,
        ),
      ),
    );
    const stop = async () => {
      // No pid: it never started (spawn failed), so there is nothing to wait for.
      if (child.pid !== undefined) {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        await exited(child);
      }
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      await Promise.race([waitUntilAnswering(port, child, () => stderr.trim()), spawnError]);
      return { port, servers: [`127.0.0.1:${port}`], stop };
    } catch (err) {
      lastError = err;
      await stop();
      if (/ENOENT|not installed/.test(String(err))) throw err;
    }
  }
  throw lastError;
}
