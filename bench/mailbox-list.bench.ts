/**
 * list() pages of 100 over a 10,000-message folder, against a raw imapflow FETCH of the same
 * ranges with the same items (the peer, measured in the same run on the same server). What is
 * left between the two is the source's own cost: queue, lock, NOOP and mapping to summaries.
 *
 *   npx vitest bench --run --project integration bench/mailbox-list.bench.ts
 *
 * Not part of `npm test`. Compare the two lines of one run, never figures across runs.
 */
import { randomUUID } from 'node:crypto';
import type { FetchQueryObject, ImapFlow } from 'imapflow';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { silentLogger } from '../src-main/services/logger';
import { createImapSource } from '../src-main/services/mail/imap-source';
import type { MailSource } from '../src-main/services/mail/types';
import { connectImap } from '../test/support/clients';
import { fillMaildir } from '../test/support/maildir';
import { startMailServers, type MailServers } from '../test/support/mail-servers';
import { passwordCredential } from '../src-main/services/credentials';

const TOTAL = 10_000;
const PAGE = 100;
const FOLDER = 'Bench';

let servers: MailServers;
let source: MailSource;
let raw: ImapFlow;
let sourcePage = 0;
let rawPageNo = 0;
/** What list() asks for (imap-source.ts SUMMARY_QUERY). */
const FETCH_ITEMS: FetchQueryObject = {
  uid: true,
  flags: true,
  envelope: true,
  size: true,
  internalDate: true,
  headers: ['content-type', 'x-failed-recipients', 'auto-submitted', 'return-path'],
};

/** Walks the folder page by page, newest first, wrapping around. */
const nextOffset = (n: number): number => (n * PAGE) % TOTAL;

// Hooks at the top level: vitest's bench mode skipped them inside describe() here. The bench
// tasks' setup awaits the same promise, in case the order ever changes.
let ready: Promise<void> | undefined;
const setUp = (): Promise<void> => (ready ??= prepare());

async function prepare(): Promise<void> {
  servers = await startMailServers();
  const user = servers.users[0]!;
  const t0 = performance.now();
  await fillMaildir(servers, user, { folder: FOLDER, count: TOTAL });
  console.log(`fillMaildir: ${TOTAL} messages in ${Math.round(performance.now() - t0)} ms`);

  source = createImapSource(
    {
      account: {
        id: randomUUID(),
        description: 'bench',
        email: user.address,
        displayName: '',
        smtp: { host: servers.host, port: servers.submission.tlsPort, security: 'tls', auth: 'password', username: user.username },
        incoming: { protocol: 'imap', auth: 'password', host: servers.host, port: servers.imap.tlsPort, security: 'tls', username: user.username, saveSentCopy: true, leaveOnServerDays: null },
        signature: '',
        identities: [], oauth: null,
        createdAt: '',
        updatedAt: '',
      },
      ...passwordCredential(user.username, user.password),
      extraCertificateAuthorities: [servers.ca],
      onChange: () => undefined,
      onStatus: () => undefined,
      logger: silentLogger,
    },
    { idle: false },
  );
  raw = await connectImap(servers, user);
  // Both sides find Dovecot's index and cache of the folder already built: one pass over all
  // of it first, else whichever side reads a page first pays for parsing its messages.
  await raw.mailboxOpen(FOLDER);
  for await (const msg of raw.fetch('1:*', FETCH_ITEMS)) if (!msg.uid) throw new Error('bench setup: no UID');
  const first = await source.list(FOLDER, 0, PAGE);
  if (!first.ok || first.value.total !== TOTAL) throw new Error(`bench setup: list() answered ${JSON.stringify(first).slice(0, 200)}`);
}

/** One raw FETCH of the page at `offset`, as list() asks for it. */
async function rawPage(offset: number): Promise<number> {
  const high = TOTAL - offset;
  const lock = await raw.getMailboxLock(FOLDER);
  let n = 0;
  try {
    for await (const msg of raw.fetch(`${high - PAGE + 1}:${high}`, FETCH_ITEMS)) if (msg.uid) n++;
  } finally {
    lock.release();
  }
  return n;
}

/**
 * The figures printed: the two sides alternating page by page, so that load from anything
 * else on the machine falls on both alike (the tinybench table above runs them one after the
 * other). Consecutive list() calls share one NOOP, as they do while a person scrolls.
 */
async function tearDown(): Promise<void> {
  try {
    await compare(40);
  } finally {
    await source?.close();
    await raw?.logout().catch(() => raw.close());
    await servers?.stop();
  }
}

async function compare(rounds: number): Promise<void> {
  await setUp();
  const times = { list: [] as number[], raw: [] as number[] };
  for (let i = 0; i < rounds; i++) {
    const offset = nextOffset(i * 7 + 3);
    let t = performance.now();
    const page = await source.list(FOLDER, offset, PAGE);
    times.list.push(performance.now() - t);
    t = performance.now();
    const n = await rawPage(offset);
    times.raw.push(performance.now() - t);
    if (!page.ok || page.value.messages.length !== PAGE || n !== PAGE) throw new Error('bench: a page came back short');
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const l = median(times.list);
  const r = median(times.raw);
  console.log(`${rounds} pages each, alternating; median per page: list() ${l.toFixed(1)} ms, raw FETCH ${r.toFixed(1)} ms; list()/raw = ${(l / r).toFixed(2)}`);
}

beforeAll(() => setUp(), 180_000);
afterAll(() => tearDown(), 180_000);

describe(`a page of ${PAGE} from ${TOTAL.toLocaleString('en')} messages`, () => {
  bench(
    'MailSource.list()',
    async () => {
      const page = await source.list(FOLDER, nextOffset(sourcePage++), PAGE);
      if (!page.ok || page.value.messages.length !== PAGE) throw new Error('list() failed');
    },
    { time: 3_000, warmupIterations: 5, setup: () => setUp() },
  );

  bench(
    'raw imapflow FETCH of the same range',
    async () => {
      if ((await rawPage(nextOffset(rawPageNo++))) !== PAGE) throw new Error('raw fetch failed');
    },
    { time: 3_000, warmupIterations: 5, setup: () => setUp() },
  );
});
