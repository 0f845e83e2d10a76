/**
 * "A folder of 10,000 messages scrolls smoothly": the Mail view's virtualized message grid,
 * against a plain (non-virtualized) list of the same 10,000 rows (the peer), measured in the same
 * run, on the same page, in the same browser.
 *
 *   npm run build && npx playwright test -c bench/playwright.bench.config.ts
 *
 * Bridge mode (test/README.md): the production renderer (out/renderer) in Chromium with the real
 * main-process backend, real Dovecot/Postfix on 127.0.0.1, 10,000 messages written into alice's
 * INBOX. Both lists are scrolled top to bottom in the same fixed scrollTop steps, one animation
 * frame per step, and then until the oldest message is on screen (for the app: until its page has
 * come from the server). In the page: frame intervals from requestAnimationFrame, the time to the
 * oldest message, rows in the DOM, and the time from "asked for" to the first painted rows. Over
 * CDP: JS heap used and DOM nodes after a forced GC. Not part of `npm test`. Compare the two
 * columns of one run, never figures across runs or machines.
 */
import { test } from '@playwright/test';
import type { MailwrightApi } from '../shared/client';
import { launchApp, type LaunchedApp } from '../test/e2e/fixture';
import { MailboxPage } from '../test/e2e/pages/mailbox';
import { WizardPage } from '../test/e2e/pages/wizard';
import { fillMaildir } from '../test/support/maildir';
import { startMailServers, type MailServers } from '../test/support/mail-servers';
import { withImap } from '../test/support/clients';

const TOTAL = 10_000;
const STEPS = 200;
/** Message 0 is the oldest (test/support/maildir.ts defaultMessage): the last row of the list. */
const OLDEST = 'Message 0';
const NEWEST = `Message ${TOTAL - 1}`;
/** How long either list may take to show the oldest message after the last step. */
const SETTLE_MS = 60_000;

interface ScrollResult {
  reached: boolean;
  /** requestAnimationFrame intervals (ms), one per scroll step. */
  stepFrames: number[];
  /** Intervals after the last step until the oldest message was shown (the app: pages arriving). */
  settleFrames: number[];
  /** From the first step until the oldest message was in the DOM with its subject. */
  toOldestMs: number;
  maxRows: number;
  rowHeight: number;
  scrollHeight: number;
}

interface Heap {
  usedMB: number;
  nodes: number;
}

/** A row as both lists show it: sender, subject, date (as MessageList.tsx formats it), ISO date. */
type PlainRow = [from: string, subject: string, date: string, iso: string];

const ms = (n: number) => `${n.toFixed(1)} ms`;
const pct = (xs: number[], p: number): number => {
  if (!xs.length) return Number.NaN;
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/**
 * Runs in the page: scrolls `selector` from top to bottom in `steps` equal scrollTop steps, one
 * frame each, then waits frame by frame until the last row in the DOM is the oldest message.
 * Self-contained (Playwright sends its source to the page).
 */
async function scrollThrough(args: { selector: string; steps: number; total: number; oldest: string; settleMs: number }): Promise<ScrollResult> {
  const el = document.querySelector<HTMLElement>(args.selector);
  const group = el?.querySelector('[role="rowgroup"]');
  if (!el || !group) throw new Error(`no scroll container ${args.selector}`);
  const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
  // O(1) per frame: rows are in index order in both lists, so the oldest is the last child.
  const oldestShown = () => {
    const last = group.lastElementChild;
    return last?.getAttribute('aria-rowindex') === String(args.total) && last.querySelector('.msg__subject')?.textContent === args.oldest;
  };
  const rowHeight = (group.firstElementChild as HTMLElement | null)?.offsetHeight ?? 0;
  el.scrollTop = 0;
  await frame();
  await frame();
  const stamps: number[] = [await frame()];
  let maxRows = group.childElementCount;
  const t0 = performance.now();
  const max = el.scrollHeight - el.clientHeight;
  for (let i = 1; i <= args.steps; i++) {
    el.scrollTop = Math.round((max * i) / args.steps);
    stamps.push(await frame());
    maxRows = Math.max(maxRows, group.childElementCount);
  }
  let reached = oldestShown();
  while (!reached && performance.now() - t0 < args.steps * 20 + args.settleMs) {
    stamps.push(await frame());
    maxRows = Math.max(maxRows, group.childElementCount);
    reached = oldestShown();
  }
  const toOldestMs = performance.now() - t0;
  const frames = stamps.slice(1).map((t, i) => t - stamps[i]!);
  return { reached, stepFrames: frames.slice(0, args.steps), settleFrames: frames.slice(args.steps), toOldestMs, maxRows, rowHeight, scrollHeight: el.scrollHeight };
}

type Painted = (ready: () => boolean, timeoutMs: number) => Promise<void>;
interface BenchWindow {
  /** Resolves after the frame in which `ready()` first held has been painted. */
  __benchPainted: Painted;
}

/**
 * Runs in the page: installs window.__benchPainted for the evaluations below (the app's CSP
 * forbids building functions from source in the page).
 */
function installPainted(): void {
  (window as unknown as BenchWindow).__benchPainted = async (ready, timeoutMs) => {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      await new Promise((resolve) => requestAnimationFrame(resolve));
      if (ready()) break;
      if (performance.now() > deadline) throw new Error('the list was not painted in time');
    }
    // A task queued from the frame's rAF callback runs after that frame's paint.
    await new Promise<void>((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => resolve();
      channel.port2.postMessage(0);
    });
  };
}

async function warmDovecot(servers: MailServers): Promise<void> {
  await withImap(servers, servers.users[0]!, async (client) => {
    const lock = await client.getMailboxLock('INBOX', { readOnly: true });
    try {
      let n = 0;
      for await (const msg of client.fetch('1:*', { uid: true, flags: true, envelope: true, size: true, internalDate: true })) if (msg.uid) n++;
      if (n !== TOTAL) throw new Error(`INBOX holds ${n} messages, expected ${TOTAL}`);
    } finally {
      lock.release();
    }
  });
}

test.describe.configure({ mode: 'serial' });

test(`Mail view: scrolling ${TOTAL.toLocaleString('en')} messages, virtualized grid vs a plain list of the same rows`, async () => {
  const log = (line: string) => console.log(line);
  let servers: MailServers | undefined;
  let app: LaunchedApp | undefined;
  try {
    let t = performance.now();
    servers = await startMailServers();
    const alice = servers.users[0]!;
    await fillMaildir(servers, alice, { folder: 'INBOX', count: TOTAL, seen: true });
    log(`setup: servers + ${TOTAL} messages in alice's INBOX in ${Math.round(performance.now() - t)} ms`);
    // Dovecot indexes a new maildir on first use: done here, so that neither list pays for it.
    t = performance.now();
    await warmDovecot(servers);
    log(`setup: Dovecot index and cache built (one FETCH 1:*) in ${Math.round(performance.now() - t)} ms`);

    app = await launchApp({ servers });
    const { page } = app;
    await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
    const mailbox = new MailboxPage(page);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async (): Promise<Heap> => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const m = (name: string) => metrics.find((x) => x.name === name)?.value ?? Number.NaN;
      return { usedMB: m('JSHeapUsedSize') / 2 ** 20, nodes: m('Nodes') };
    };

    await page.evaluate(installPainted);

    // ---- The app's virtualized grid -------------------------------------------------------
    const baseApp = await heap();
    const virtualPaint = await page.evaluate(
      async ({ newest }) => {
        const painted = (window as unknown as BenchWindow).__benchPainted;
        const button = [...document.querySelectorAll<HTMLButtonElement>('nav[aria-label="Main"] button')].find((b) => b.textContent === 'Mail');
        if (!button) throw new Error('no Mail button');
        const t0 = performance.now();
        button.click();
        await painted(() => document.querySelector('[role="grid"] [role="row"] .msg__subject')?.textContent === newest, 60_000);
        return performance.now() - t0;
      },
      { newest: NEWEST },
    );
    await mailbox.grid.waitFor();
    if ((await mailbox.rowCount()) !== TOTAL) throw new Error(`the grid says ${await mailbox.rowCount()} rows`);
    const rect = await mailbox.grid.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, top: r.top, width: r.width, height: r.height };
    });
    const virtual = await page.evaluate(scrollThrough, { selector: '[role="grid"]', steps: STEPS, total: TOTAL, oldest: OLDEST, settleMs: SETTLE_MS });
    const virtualHeap = await heap();
    if (!virtual.reached) throw new Error('the app never showed the oldest message');

    // ---- The peer: a plain list of the same rows, static DOM, same classes and row height --------
    // Leave the Mail view (it unmounts, with its cached pages), then take the same 10,000 rows
    // through the same API and render them all at once where the grid was.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Outbox/ }).click();
    await mailbox.view.waitFor({ state: 'detached' });
    const basePlain = await heap();
    const fetched = await page.evaluate(async (total) => {
      const api = (window as unknown as { mailwright: MailwrightApi }).mailwright;
      const accounts = await api.accounts.list({});
      if (!accounts.ok || !accounts.value[0]) throw new Error('no account');
      const accountId = accounts.value[0].id;
      // formatListDate from src-renderer/ui/format.ts (this runs inside the page, so it cannot import it).
      const shortDate = (iso: string) => {
        const date = new Date(iso);
        if (Number.isNaN(date.getTime())) return '';
        const now = new Date();
        if (date.toDateString() === now.toDateString()) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
        if (date.getFullYear() === now.getFullYear()) return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short' });
        return date.toLocaleDateString(undefined, { dateStyle: 'medium' });
      };
      const t0 = performance.now();
      const rows: PlainRow[] = [];
      for (let offset = 0; offset < total; offset += 500) {
        const page = await api.mail.list({ accountId, folder: 'INBOX', offset, limit: 500 });
        if (!page.ok) throw new Error(page.error.message);
        for (const m of page.value.messages) rows.push([m.from ? m.from.name || m.from.address : '(unknown sender)', m.subject || '(no subject)', shortDate(m.date), m.date]);
      }
      return { rows, ms: performance.now() - t0 };
    }, TOTAL);
    if (fetched.rows.length !== TOTAL) throw new Error(`fetched ${fetched.rows.length} rows`);

    const plainPaint = await page.evaluate(
      async ({ rows, rect, newest }) => {
        const painted = (window as unknown as BenchWindow).__benchPainted;
        const t0 = performance.now();
        const box = document.createElement('div');
        box.id = 'bench-plain';
        box.className = 'msg-grid';
        box.setAttribute('role', 'grid');
        box.setAttribute('aria-label', 'Plain list');
        box.setAttribute('aria-rowcount', String(rows.length));
        // CSSOM, not a style attribute: the app's CSP allows only the former.
        Object.assign(box.style, { position: 'fixed', left: `${rect.left}px`, top: `${rect.top}px`, width: `${rect.width}px`, height: `${rect.height}px`, flex: 'none', zIndex: '10', background: 'var(--card)' });
        const group = document.createElement('div');
        group.className = 'msg-grid__rows';
        group.setAttribute('role', 'rowgroup');
        const cell = (cls: string) => {
          const span = document.createElement('span');
          span.setAttribute('role', 'gridcell');
          span.className = cls;
          return span;
        };
        rows.forEach(([from, subject, date, iso], i) => {
          const row = document.createElement('div');
          row.setAttribute('role', 'row');
          row.setAttribute('aria-rowindex', String(i + 1));
          row.className = 'msg';
          // .msg is absolutely placed for the virtualizer; here rows flow one after another.
          row.style.position = 'relative';
          row.style.height = '56px';
          const f = cell('msg__from');
          f.textContent = from;
          const s = cell('msg__subject');
          s.textContent = subject;
          const d = cell('msg__date');
          const time = document.createElement('time');
          time.dateTime = iso;
          time.textContent = date;
          d.append(time);
          row.append(f, s, d);
          group.append(row);
        });
        box.append(group);
        document.body.append(box);
        await painted(() => group.firstElementChild?.querySelector('.msg__subject')?.textContent === newest, 60_000);
        return performance.now() - t0;
      },
      { rows: fetched.rows, rect, newest: NEWEST },
    );
    const plain = await page.evaluate(scrollThrough, { selector: '#bench-plain', steps: STEPS, total: TOTAL, oldest: OLDEST, settleMs: SETTLE_MS });
    const plainHeap = await heap();
    if (!plain.reached) throw new Error('the plain list never showed the oldest message');
    if (plain.rowHeight !== virtual.rowHeight) throw new Error(`row heights differ: ${virtual.rowHeight} vs ${plain.rowHeight} px`);

    // ---- Report ----------------------------------------------------------------------------
    const stats = (r: ScrollResult) => ({
      median: pct(r.stepFrames, 50),
      p95: pct(r.stepFrames, 95),
      max: Math.max(...r.stepFrames),
      over50: r.stepFrames.filter((f) => f > 50).length,
      settle: r.settleFrames.length,
      settleOver50: r.settleFrames.filter((f) => f > 50).length,
      settleMax: r.settleFrames.length ? Math.max(...r.settleFrames) : 0,
    });
    const v = stats(virtual);
    const p = stats(plain);
    const ratio = (a: number, b: number) => (b > 0 ? `${a / b < 0.1 ? (a / b).toPrecision(2) : (a / b).toFixed(2)}x` : '-');
    const table: Array<[string, string, string, string]> = [
      ['time to first painted rows', ms(virtualPaint), ms(plainPaint), ratio(virtualPaint, plainPaint)],
      [`frame interval median (${STEPS} steps)`, ms(v.median), ms(p.median), ratio(v.median, p.median)],
      ['frame interval p95', ms(v.p95), ms(p.p95), ratio(v.p95, p.p95)],
      ['frame interval max', ms(v.max), ms(p.max), ratio(v.max, p.max)],
      ['frames > 50 ms', String(v.over50), String(p.over50), ''],
      ['frames after the last step', String(v.settle), String(p.settle), ''],
      ['  of which > 50 ms', String(v.settleOver50), String(p.settleOver50), ''],
      ['  longest', ms(v.settleMax), ms(p.settleMax), ''],
      ['time to the oldest message', ms(virtual.toOldestMs), ms(plain.toOldestMs), ratio(virtual.toOldestMs, plain.toOldestMs)],
      ['rows in the DOM (max)', String(virtual.maxRows), String(plain.maxRows), ratio(virtual.maxRows, plain.maxRows)],
      ['DOM nodes after GC', String(virtualHeap.nodes), String(plainHeap.nodes), ratio(virtualHeap.nodes, plainHeap.nodes)],
      ['JS heap used after GC', `${virtualHeap.usedMB.toFixed(2)} MB`, `${plainHeap.usedMB.toFixed(2)} MB`, ratio(virtualHeap.usedMB, plainHeap.usedMB)],
      [
        'JS heap over its baseline',
        `${(virtualHeap.usedMB - baseApp.usedMB).toFixed(2)} MB`,
        `${(plainHeap.usedMB - basePlain.usedMB).toFixed(2)} MB`,
        ratio(virtualHeap.usedMB - baseApp.usedMB, plainHeap.usedMB - basePlain.usedMB),
      ],
    ];
    const head: [string, string, string, string] = ['', 'virtualized (app)', 'plain list', 'virt/plain'];
    const widths = [0, 1, 2, 3].map((i) => Math.max(...[head, ...table].map((row) => row[i]!.length)));
    const line = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
    log('');
    log(`${TOTAL.toLocaleString('en')} messages, ${STEPS} scrollTop steps of ${Math.round(virtual.scrollHeight / STEPS)} px (one frame each), rows ${virtual.rowHeight} px, list ${Math.round(rect.width)}x${Math.round(rect.height)} px`);
    log(line(head));
    for (const row of table) log(line(row));
    log('');
    log(`virtualized: first paint counts from the click on "Mail" (folders + first page over IMAP); time to the oldest includes every page (of 100) fetched on the way.`);
    log(`frame intervals: one per scroll step (${STEPS} each side); "after the last step" = frames until the oldest message showed (the app: pages still arriving).`);
    log(`plain: first paint counts from building the DOM; the rows were fetched before over the same API (${TOTAL} rows in pages of 500: ${ms(fetched.ms)}), not counted.`);
    log(`heap baselines (after GC, no list mounted): app ${baseApp.usedMB.toFixed(2)} MB, before the plain list ${basePlain.usedMB.toFixed(2)} MB`);
  } finally {
    await app?.close();
    await servers?.stop();
  }
});
