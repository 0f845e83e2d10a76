// A throwaway certificate authority for tests, made with the `openssl` command line tool.
//
// The CA signs server (and client) certificates whose subjectAltName lists the given hosts.
// Clients under test are given the CA's PEM (`tls: { ca }`) instead of turning verification off.

import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomBytes } from 'node:crypto';

const run = promisify(execFile);

export interface IssuedCert {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TestCa {
  dir: string;
  cert: string;
  certFile: string;
  issue(name: string, opts?: { hosts?: string[]; expired?: boolean; days?: number }): Promise<IssuedCert>;
}

const DEFAULT_HOSTS = ['localhost', '127.0.0.1'];
const HOUR_MS = 60 * 60 * 1000;
const DAY_MS = 24 * HOUR_MS;

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd, timeout: 15_000 });
  } catch (err) {
    const e = err as Error & { stderr?: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

/** openssl `ca -startdate/-enddate` format: YYYYMMDDHHMMSSZ (UTC). */
function asn1Time(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  if (!safe || safe.startsWith('.')) throw new Error(`unusable certificate name: ${JSON.stringify(name)}`);
  return safe;
}

export async function createTestCa(dir: string): Promise<TestCa> {
  await mkdir(path.join(dir, 'newcerts'), { recursive: true });
  const certFile = path.join(dir, 'ca.pem');
  const caKeyFile = path.join(dir, 'ca.key');
  const configFile = path.join(dir, 'ca.cnf');
  const tag = randomBytes(4).toString('hex');

  await openssl(
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', caKeyFile, '-out', certFile, '-days', '30', '-sha256',
      '-subj', `/O=Mailwright tests/CN=Mailwright Test CA ${tag}`,
      '-addext', 'basicConstraints=critical,CA:TRUE',
      '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-addext', 'subjectKeyIdentifier=hash',
    ],
    dir,
  );
  // Minimal `openssl ca` setup: it is the one tool in openssl 3.0 that sets arbitrary validity
  // dates (x509 -not_before/-not_after only arrived in 3.4), which expired certificates need.
  await writeFile(path.join(dir, 'index.txt'), '');
  await writeFile(path.join(dir, 'index.txt.attr'), 'unique_subject = no\n');
  await writeFile(path.join(dir, 'serial'), `${randomBytes(8).toString('hex').replace(/^[89a-f]/, '1')}\n`);
  await writeFile(
    configFile,
    [
      '[ ca ]',
      'default_ca = test_ca',
      '[ test_ca ]',
      `database = ${path.join(dir, 'index.txt')}`,
      `new_certs_dir = ${path.join(dir, 'newcerts')}`,
      `serial = ${path.join(dir, 'serial')}`,
      `certificate = ${certFile}`,
      `private_key = ${caKeyFile}`,
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'email_in_dn = no',
      'copy_extensions = none',
      '[ policy_any ]',
      'organizationName = optional',
      'commonName = supplied',
      '',
    ].join('\n'),
  );
  const cert = await readFile(certFile, 'utf8');

  // `openssl ca` appends to index.txt: issue one certificate at a time.
  let queue: Promise<unknown> = Promise.resolve();

  async function issueNow(
    name: string,
    opts: { hosts?: string[]; expired?: boolean; days?: number },
  ): Promise<IssuedCert> {
    const base = safeName(name);
    const hosts = opts.hosts ?? DEFAULT_HOSTS;
    if (hosts.length === 0) throw new Error('issue(): hosts must not be empty');
    const keyFile = path.join(dir, `${base}.key`);
    const csrFile = path.join(dir, `${base}.csr`);
    const extFile = path.join(dir, `${base}.ext`);
    const outFile = path.join(dir, `${base}.pem`);
    const san = hosts.map((h) => (isIP(h) ? `IP:${h}` : `DNS:${h}`)).join(',');
    await writeFile(
      extFile,
      [
        'basicConstraints = critical,CA:FALSE',
        'keyUsage = critical,digitalSignature,keyEncipherment',
        'extendedKeyUsage = serverAuth,clientAuth',
        'subjectKeyIdentifier = hash',
        'authorityKeyIdentifier = keyid',
        `subjectAltName = ${san}`,
        '',
      ].join('\n'),
    );
    await openssl(
      [
        'req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
        '-keyout', keyFile, '-out', csrFile, '-subj', `/O=Mailwright tests/CN=${hosts[0]}`,
      ],
      dir,
    );
    const now = Date.now();
    const [start, end] = opts.expired
      ? [now - 2 * DAY_MS, now - DAY_MS]
      : [now - HOUR_MS, now + (opts.days ?? 7) * DAY_MS];
    await openssl(
      [
        'ca', '-batch', '-config', configFile, '-notext',
        '-startdate', asn1Time(start), '-enddate', asn1Time(end),
        '-extfile', extFile, '-in', csrFile, '-out', outFile,
      ],
      dir,
    );
    return { cert: await readFile(outFile, 'utf8'), key: await readFile(keyFile, 'utf8'), certFile: outFile, keyFile };
  }

  return {
    dir,
    cert,
    certFile,
    issue(name, opts = {}) {
      const result = queue.then(() => issueNow(name, opts));
      queue = result.catch(() => undefined);
      return result;
    },
  };
}
