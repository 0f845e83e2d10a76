/**
 * "A renderer that starts like a small app": time to interactive of the built renderer
 * (out/renderer) against a bare React 19 app (bench/bare-react, built here into a temporary folder
 * by the same electron-vite and Vite, minified the same way), side by side in the same run, in the
 * same Debian Chromium, alternating (A B, B A, ...), ROUNDS rounds (default 15, at least 5).
 *
 *   npm run build && npx playwright test -c bench/playwright.bench.config.ts bench/startup.ts
 *
 * Both are served the same way: from disk through Playwright's request interception, with the
 * app's Content-Security-Policy, under an origin of their own. The app runs in bridge mode
 * (test/e2e/fixture.ts): its real main-process handlers answer the page's first calls.
 *
 * "Interactive", concretely: from navigation start (performance.timeOrigin) until the frame that
 * shows the first screen's primary control, present, visible (checkVisibility) and enabled, has
 * been painted (a task queued from that frame's requestAnimationFrame runs after its paint):
 *   - the app on a first start (no account): the wizard's "Find my settings" button;
 *   - the app with an account: the Main navigation shown, a <main> in place, and no "Loading …"
 *     status anywhere (the start view's code and the editor have arrived);
 *   - the bare app: its "Continue" button.
 * A watcher installed before any page script (addInitScript) checks after every DOM change, the
 * same code for both. Also printed: React's first commit (the performance mark main.tsx sets) and
 * which script files the page fetched before it was interactive.
 *
 * Not part of `npm test`. Compare the two columns of one run, never figures across runs or machines.
 * Goal (issue 12): the median of per-round ratios app/bare <= 1.5 on a first start.
 */
import { readFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, extname, join, resolve } from 'node:path';
import { chromium, test, type Browser, type Page } from '@playwright/test';
import { build } from 'electron-vite';
import { CONTENT_SECURITY_POLICY } from '../src-main/electron/policy';
import { BRIDGE_ORIGIN, CHROMIUM_ARGS, chromiumExecutable, launchApp, type LaunchedApp } from '../test/e2e/fixture';
import { RENDERER_DIR, ROOT } from '../test/e2e/paths';
import { WizardPage } from '../test/e2e/pages/wizard';
import { startMailServers, type MailServers } from '../test/support/mail-servers';

const ROUNDS = Math.max(5, Number(process.env.BENCH_ROUNDS ?? 15));
const BARE_ORIGIN = 'https://bare-react.invalid';
const GOAL = 1.5;

type Criterion = 'wizard' | 'account' | 'bare';

interface Sample {
  /** Navigation start to the painted frame showing the primary control. */
  interactive: number;
  /** Navigation start to React's first commit into the root element. */
  firstRender: number;
  /** Script files fetched before interactive (names only). */
  scripts: string[];
}

interface BenchWindow {
  __benchCriterion?: Criterion;
  __benchInteractive: Promise<{ inDom: number; painted: number }>;
}

/**
 * Runs in the page before any of its scripts (addInitScript): resolves window.__benchInteractive
 * once the criterion named by window.__benchCriterion holds and that frame has been painted.
 * Self-contained (Playwright sends its source to the page).
 */
function installWatcher(): void {
  const w = window as unknown as BenchWindow;
  const usable = (el: Element | null | undefined): boolean =>
    !!el && !(el as HTMLButtonElement).disabled && el.getAttribute('aria-disabled') !== 'true' && el.checkVisibility();
  const button = (name: string) => [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === name);
  const criteria: Record<Criterion, () => boolean> = {
    wizard: () => usable(button('Find my settings')),
    bare: () => usable(button('Continue')),
    account: () => {
      const nav = document.querySelector('nav[aria-label="Main"]');
      if (!nav || !document.querySelector('main') || document.querySelector('.loading')) return false;
      return [...nav.querySelectorAll('button')].every(usable) && usable(nav);
    },
  };
  w.__benchInteractive = new Promise((resolvePromise) => {
    let done = false;
    const check = () => {
      const criterion = w.__benchCriterion ? criteria[w.__benchCriterion] : undefined;
      if (done || !criterion || !criterion()) return;
      done = true;
      observer.disconnect();
      const inDom = performance.now();
      requestAnimationFrame(() => {
        const channel = new MessageChannel();
        channel.port1.onmessage = () => resolvePromise({ inDom, painted: performance.now() });
        channel.port2.postMessage(0);
      });
    };
    const observer = new MutationObserver(check);
    observer.observe(document, { subtree: true, childList: true, attributes: true, characterData: true });
  });
}

/** Serves `dir` under `origin` as the e2e fixture serves out/renderer: from disk, with the app's CSP. */
async function serveFolder(page: Page, origin: string, dir: string): Promise<void> {
  const mime: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
  await page.context().route('**/*', (route) => route.abort('blockedbyclient'));
  await page.context().route(`${origin}/**`, (route) => {
    const path = new URL(route.request().url()).pathname;
    const file = resolve(dir, `.${path === '/' ? '/index.html' : path}`);
    if (!file.startsWith(dir) || !existsSync(file)) return route.fulfill({ status: 404, body: 'Not found' });
    return route.fulfill({
      status: 200,
      body: readFileSync(file),
      headers: { 'content-type': mime[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY },
    });
  });
}

async function prepare(page: Page, criterion: Criterion, watcher = true): Promise<void> {
  if (watcher) await page.addInitScript(installWatcher);
  // Init scripts run in the order they were added: the last criterion set wins.
  await page.addInitScript((c) => void ((window as unknown as BenchWindow).__benchCriterion = c), criterion);
}

/** One cold navigation: a new document, fresh module graph, nothing kept from the last one but the browser process. */
async function measure(page: Page, url: string, mark: string): Promise<Sample> {
  const scripts: string[] = [];
  const onRequest = (request: { url(): string; resourceType(): string }) => {
    if (request.resourceType() === 'script') scripts.push(basename(new URL(request.url()).pathname));
  };
  page.on('request', onRequest);
  try {
    await page.goto(url, { waitUntil: 'commit' });
    const result = await page.evaluate(async (name) => {
      const w = window as unknown as BenchWindow;
      const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('not interactive within 20 s')), 20_000));
      const { painted } = await Promise.race([w.__benchInteractive, timeout]);
      const first = performance.getEntriesByName(name, 'mark')[0];
      return { interactive: painted, firstRender: first ? first.startTime : Number.NaN };
    }, mark);
    return { ...result, scripts: [...new Set(scripts)] };
  } finally {
    page.off('request', onRequest);
  }
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};
const ms = (n: number) => `${n.toFixed(1)} ms`;
const kB = (n: number) => `${(n / 1024).toFixed(1)} kB`;

async function runScenario(label: string, app: Page, bare: Page): Promise<number> {
  const appUrl = `${BRIDGE_ORIGIN}/index.html`;
  const bareUrl = `${BARE_ORIGIN}/index.html`;
  // One warm-up navigation each (the browser's own caches of fonts, code paths), not counted.
  await measure(app, appUrl, 'mailwright:first-render');
  await measure(bare, bareUrl, 'bare:first-render');
  const appSamples: Sample[] = [];
  const bareSamples: Sample[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    // A B, then B A: neither always goes first.
    if (round % 2 === 0) {
      appSamples.push(await measure(app, appUrl, 'mailwright:first-render'));
      bareSamples.push(await measure(bare, bareUrl, 'bare:first-render'));
    } else {
      bareSamples.push(await measure(bare, bareUrl, 'bare:first-render'));
      appSamples.push(await measure(app, appUrl, 'mailwright:first-render'));
    }
  }
  const ratios = appSamples.map((a, i) => a.interactive / bareSamples[i]!.interactive);
  const ratio = median(ratios);
  const appTti = appSamples.map((s) => s.interactive);
  const bareTti = bareSamples.map((s) => s.interactive);
  console.log('');
  console.log(`${label}: ${ROUNDS} rounds, alternating`);
  console.log(`  time to interactive, median   app ${ms(median(appTti))}   bare React ${ms(median(bareTti))}`);
  console.log(`  min / max                     app ${ms(Math.min(...appTti))} / ${ms(Math.max(...appTti))}   bare ${ms(Math.min(...bareTti))} / ${ms(Math.max(...bareTti))}`);
  console.log(`  React's first commit, median  app ${ms(median(appSamples.map((s) => s.firstRender)))}   bare React ${ms(median(bareSamples.map((s) => s.firstRender)))}`);
  console.log(`  median of per-round ratios app/bare: ${ratio.toFixed(2)}x (goal <= ${GOAL}x; ratios ${ratios.map((r) => r.toFixed(2)).join(' ')})`);
  console.log(`  scripts fetched before interactive: app ${appSamples[0]!.scripts.join(', ')}; bare ${bareSamples[0]!.scripts.join(', ')}`);
  return ratio;
}

function scriptSizes(dir: string, names: string[]): string {
  return names.map((n) => `${n} ${kB(statSync(join(dir, 'assets', n)).size)}`).join(', ');
}

test.describe.configure({ mode: 'serial' });

test(`Start-up: time to interactive of the renderer vs a bare React 19 app, ${ROUNDS} rounds`, async () => {
  test.setTimeout(240_000);
  const work = mkdtempSync(join(tmpdir(), 'mailwright-bench-bare-'));
  let servers: MailServers | undefined;
  let app: LaunchedApp | undefined;
  let browser: Browser | undefined;
  try {
    await build({ configFile: resolve(ROOT, 'bench/bare-react/electron.vite.config.ts'), build: { outDir: work }, logLevel: 'warn' });
    const bareDir = join(work, 'renderer');
    if (!existsSync(join(bareDir, 'index.html'))) throw new Error(`the bare app was not built into ${bareDir}`);

    servers = await startMailServers();
    browser = await chromium.launch({ args: CHROMIUM_ARGS, ...(chromiumExecutable() ? { executablePath: chromiumExecutable() } : {}) });
    console.log(`browser: ${browser.version()}${chromiumExecutable() ? ` (${chromiumExecutable()})` : ''}`);

    app = await launchApp({ servers, browser });
    await prepare(app.page, 'wizard');
    const bareContext = await browser.newContext({ viewport: { width: 1100, height: 860 } });
    const bare = await bareContext.newPage();
    await serveFolder(bare, BARE_ORIGIN, bareDir);
    await prepare(bare, 'bare');

    const firstStart = await runScenario('First start (no account yet): the wizard', app.page, bare);
    const scripts = (dir: string) => {
      const html = readFileSync(join(dir, 'index.html'), 'utf8');
      return [...html.matchAll(/src="\.\/assets\/([^"]+\.js)"/g)].map((m) => m[1]!);
    };
    console.log(`  entry scripts: app ${scriptSizes(RENDERER_DIR, scripts(RENDERER_DIR))}; bare ${scriptSizes(bareDir, scripts(bareDir))}`);

    // With an account: the start view (and whatever code it loads lazily) must have arrived.
    await app.page.goto(`${BRIDGE_ORIGIN}/index.html`);
    await new WizardPage(app.page).addAccount(servers, servers.users[0]!, { smtp: 'STARTTLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
    await prepare(app.page, 'account', false);
    const withAccount = await runScenario('With one account: the start view', app.page, bare);

    console.log('');
    console.log(`goal <= ${GOAL}x on a first start: ${firstStart <= GOAL ? 'met' : 'NOT met'} (${firstStart.toFixed(2)}x); with an account ${withAccount.toFixed(2)}x`);
    await bareContext.close();
  } finally {
    await app?.close();
    await browser?.close();
    await servers?.stop();
    rmSync(work, { recursive: true, force: true });
  }
});
