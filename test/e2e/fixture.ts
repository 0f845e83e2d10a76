/**
 * Starts Mailwright for an end-to-end spec and returns the page, in one of two ways:
 *
 * - 'bridge': the production renderer build (out/renderer) in Chromium, served to the page by
 *   Playwright's request interception under https://mailwright.invalid (no server listens
 *   anywhere), with the preload's API installed by a binding that calls the SAME router and
 *   handlers as ipcMain (src-main/backend.ts), on a fresh data folder.
 * - 'electron': the real app through Playwright's _electron, where an Electron binary exists.
 *
 * See test/README.md for how to use it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { test as base, expect, _electron, chromium, type Browser, type ElectronApplication, type Page } from '@playwright/test';
import { createBackend, type BackendOptions } from '../../src-main/backend';
import { CONTENT_SECURITY_POLICY } from '../../src-main/electron/policy';
import { createSenderPolicy, type IpcSender } from '../../src-main/ipc/router';
import { createAppKeyCipher, openSecretFileInFolder } from '../../src-main/services/secrets';
import { openSettingsInFolder } from '../../src-main/services/settings-store';
import type { Logger } from '../../src-main/services/logger';
import type { DesktopNotice } from '../../src-main/services/desktop-notices';
import { configXml, startAutoconfigServer, type AutoconfigServer } from '../support/autoconfig-server';
import { startDnsServer } from '../support/dns-server';
import type { OAuthServer } from '../support/oauth-server';
import { startMailServers, type MailServers } from '../support/mail-servers';
import { checkReplies, type OffSchemaReply } from '../support/checked-router';
import { CHROMIUM_ARGS, chromiumExecutable } from '../support/chromium';
import { createTestCa } from '../support/test-ca';
import { BRIDGE_SCRIPT, RENDERER_DIR, ROOT } from './paths';

export type AppMode = 'bridge' | 'electron';

export interface LaunchedApp {
  mode: AppMode;
  page: Page;
  /** The app's data folder (settings.json, secrets.json, ...), fresh for this launch. */
  dataDir: string;
  servers: MailServers;
  /** Every request the page tried to make outside the app's own origin (bridge mode). */
  blockedRequests: string[];
  /** Main-process log lines (bridge mode). */
  mainLog: string[];
  /** What the next "Attach files" dialog returns, as if the person chose these files (bridge mode). */
  chooseFiles(paths: string[]): void;
  /** Where the next save dialog (an attachment) saves, as if the person chose this path (bridge mode). */
  nextSavePath(path: string): void;
  /** URLs the app asked the system browser to open, in order (bridge mode). */
  openedExternally: string[];
  /** Replies that did not match their channel's response schema (bridge mode); the fixture fails the test on any. */
  offSchemaReplies: OffSchemaReply[];
  /** Desktop notifications the app showed, oldest first (bridge mode): their words and what a click opens. */
  notifications: RecordedNotification[];
  /** Clicks a recorded notification: the same click path as in the app (the backend's onClick), minus focusing the window. */
  clickNotification(notification: RecordedNotification): void;
  /** Hands a mailto: URL to the running app, as the system does (bridge: Backend.openMailto; Electron: app's open-url). */
  openMailto(url: string): Promise<void>;
  close(): Promise<void>;
}

export interface RecordedNotification {
  title: string;
  body: string;
  target: DesktopNotice['target'];
  /** Internal: the backend's click handler. Use LaunchedApp.clickNotification. */
  onClick: () => void;
}

export const BRIDGE_ORIGIN = 'https://mailwright.invalid';
const BRIDGE_CONTENTS_ID = 1;
const VERSION = (JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

// Shared with the packaging test (vitest), which cannot import this file.
export { CHROMIUM_ARGS, chromiumExecutable };

/** The Electron binary, or null where it was not downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD). */
export function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export const ELECTRON_MISSING =
  'SKIPPED: no Electron binary on this machine (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1); the same spec ran in the bridge project.';

const MIME: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png' };

export interface DiscoveryEnvironment {
  /** Options for the app's discovery service: local DNS, local HTTPS, their CA. */
  options: NonNullable<BackendOptions['discovery']>;
  autoconfig: AutoconfigServer;
  stop(): Promise<void>;
}

/**
 * A local DNS server (dnsmasq) and autoconfig HTTPS server that make `<user>@<servers.domain>`
 * discoverable: autoconfig.<domain> serves a config-v1.1 file pointing at the test Postfix
 * (STARTTLS) and Dovecot (IMAP, implicit TLS).
 */
export async function startDiscoveryEnvironment(servers: MailServers, oauth?: Pick<OAuthServer, 'issuer' | 'provider'>): Promise<DiscoveryEnvironment> {
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-e2e-discovery-'));
  const ca = await createTestCa(dir);
  const cert = await ca.issue('autoconfig', { hosts: [`autoconfig.${servers.domain}`] });
  // With `oauth`: the provider's file names OAuth2 (and passwords) and carries its <oAuth2> block.
  const authentication = oauth ? ['OAuth2', 'password-cleartext'] : undefined;
  const xml = configXml(
    servers.domain,
    'Mailwright Test Mail',
    [
      { type: 'imap', hostname: 'localhost', port: servers.imap.tlsPort, socketType: 'SSL', ...(authentication ? { authentication } : {}) },
      { type: 'smtp', hostname: 'localhost', port: servers.submission.starttlsPort, socketType: 'STARTTLS', ...(authentication ? { authentication } : {}) },
    ],
    oauth
      ? { issuer: oauth.issuer, scope: oauth.provider.scopes.join(' '), authURL: oauth.provider.authorizationEndpoint, tokenURL: oauth.provider.tokenEndpoint }
      : undefined,
  );
  const autoconfig = await startAutoconfigServer(cert, { [`autoconfig.${servers.domain}/mail/config-v1.1.xml`]: xml });
  const dns = await startDnsServer([`address=/autoconfig.${servers.domain}/127.0.0.1`, 'local=/test/', 'local=/invalid/']);
  return {
    options: {
      dnsServers: dns.servers,
      httpsPort: autoconfig.port,
      // Never the real ISPDB from a test: a name that cannot resolve.
      ispdbBaseUrl: `https://ispdb.invalid:${autoconfig.port}/v1.1/`,
      extraCertificateAuthorities: [ca.cert, servers.ca],
      guessPorts: { tls: servers.submission.tlsPort, starttls: servers.submission.starttlsPort, plain: servers.submission.starttlsPort },
      timeouts: { httpMs: 3000, dnsMs: 2000, probeMs: 3000 },
    },
    autoconfig,
    stop: async () => {
      await dns.stop();
      await autoconfig.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchApp(
  options: {
    mode?: AppMode;
    servers?: MailServers;
    browser?: Browser;
    discovery?: BackendOptions['discovery'];
    undoSeconds?: number;
    /** Puts files into the fresh data folder before the app starts (a damaged draft, say). */
    prepareDataDir?: (dataDir: string) => void;
    /** OAuth2 client IDs "shipped" with this build (the test authorization server's), bridge mode. */
    oauthRegistrations?: BackendOptions['oauthRegistrations'];
  } = {},
): Promise<LaunchedApp> {
  const mode = options.mode ?? 'bridge';
  const ownServers = !options.servers;
  const servers = options.servers ?? (await startMailServers());
  const dataDir = mkdtempSync(join(tmpdir(), 'mailwright-e2e-data-'));
  options.prepareDataDir?.(dataDir);
  const cleanups: Array<() => Promise<void> | void> = [() => rmSync(dataDir, { recursive: true, force: true })];
  if (ownServers) cleanups.push(() => servers.stop());
  const close = async () => {
    // First in the list runs first: the app, then the browser, then the data folder and servers.
    for (const fn of cleanups.splice(0)) await fn();
  };

  try {
    if (mode === 'electron') {
      const executablePath = electronBinary();
      if (!executablePath) throw new Error(ELECTRON_MISSING);
      const app: ElectronApplication = await _electron.launch({
        executablePath,
        args: [ROOT],
        env: { ...process.env, MAILWRIGHT_USER_DATA: dataDir, NODE_EXTRA_CA_CERTS: servers.caFile } as Record<string, string>,
      });
      cleanups.unshift(() => app.close());
      const page = await app.firstWindow();
      return {
        mode,
        page,
        dataDir,
        servers,
        blockedRequests: [],
        mainLog: [],
        chooseFiles: () => {
          throw new Error('the system file dialog cannot be scripted in the Electron app');
        },
        nextSavePath: () => {
          throw new Error('the system save dialog cannot be scripted in the Electron app');
        },
        openedExternally: [],
        offSchemaReplies: [],
        notifications: [],
        clickNotification: () => {
          throw new Error('system notifications cannot be clicked from a test in the Electron app');
        },
        openMailto: (url) => app.evaluate(({ app: electronApp }, link) => void electronApp.emit('open-url', { preventDefault: () => {} }, link), url),
        close,
      };
    }

    const ownBrowser = !options.browser;
    const browser =
      options.browser ?? (await chromium.launch({ args: CHROMIUM_ARGS, ...(chromiumExecutable() ? { executablePath: chromiumExecutable() } : {}) }));
    if (ownBrowser) cleanups.unshift(() => browser.close());
    const context = await browser.newContext({ viewport: { width: 1100, height: 860 } });
    cleanups.unshift(() => context.close());

    const blockedRequests: string[] = [];
    await context.route('**/*', (route) => {
      blockedRequests.push(route.request().url());
      return route.abort('blockedbyclient');
    });
    await context.route(`${BRIDGE_ORIGIN}/**`, async (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = resolve(RENDERER_DIR, `.${path === '/' ? '/index.html' : path}`);
      if (!file.startsWith(RENDERER_DIR) || !existsSync(file)) return route.fulfill({ status: 404, body: 'Not found' });
      return route.fulfill({
        status: 200,
        body: readFileSync(file),
        headers: { 'content-type': MIME[extname(file)] ?? 'application/octet-stream', 'content-security-policy': CONTENT_SECURITY_POLICY },
      });
    });

    const page = await context.newPage();
    /** The app's pages, as the app's windows: the main one and each compose window, by contents id (trusted senders). */
    const appPages = new Map<Page, number>([[page, BRIDGE_CONTENTS_ID]]);
    const composePages = new Map<string, Page>();
    let nextContentsId = BRIDGE_CONTENTS_ID + 1;
    const mainLog: string[] = [];
    const logger: Logger = {
      info: (m, f) => mainLog.push(`info ${m} ${JSON.stringify(f ?? {})}`),
      warn: (m, f) => mainLog.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
      error: (m, f) => mainLog.push(`error ${m} ${JSON.stringify(f ?? {})}`),
    };
    let nextFiles: string[] = [];
    let savePath: string | null = null;
    const openedExternally: string[] = [];
    const notifications: RecordedNotification[] = [];
    const settings = openSettingsInFolder(dataDir, VERSION);
    // Short enough for a spec to watch the undo window pass (the person's preference, as the app stores it).
    settings.set('preferences', { ...settings.get('preferences'), undoSeconds: options.undoSeconds ?? 3 });
    const backend = await createBackend({
      dataDir,
      settings,
      secretFile: openSecretFileInFolder(dataDir),
      cipher: createAppKeyCipher(dataDir, 'no OS keyring (test bridge)'),
      logger,
      app: { version: VERSION, platform: process.platform },
      smtp: { extraCertificateAuthorities: [servers.ca] },
      ...(options.discovery ? { discovery: options.discovery } : {}),
      ...(options.oauthRegistrations ? { oauthRegistrations: options.oauthRegistrations } : {}),
      // Short enough for a spec to watch a retry happen.
      outbox: { retry: { baseMs: 1000, maxMs: 4000, maxAttempts: 4 } },
      pickFiles: async () => {
        const chosen = nextFiles;
        nextFiles = [];
        return chosen;
      },
      // Like the dialog: one answer per dialog, then "cancelled" until the spec chooses again.
      saveFile: async () => {
        const chosen = savePath;
        savePath = null;
        return chosen;
      },
      openExternal: async (url) => {
        openedExternally.push(url);
      },
      notify: (notice, onClick) => {
        notifications.push({ ...notice, onClick });
      },
      isTrustedSender: createSenderPolicy({ appOrigin: BRIDGE_ORIGIN, contentsIds: () => [...appPages.values()] }),
      // Like Electron's broadcast: every window hears every event.
      emit: (event, payload) => {
        for (const target of appPages.keys())
          void target.evaluate(([e, p]) => (window as unknown as { __mailwrightEmit?: (e: string, p: unknown) => void }).__mailwrightEmit?.(e, p), [event, payload] as const).catch(() => {});
      },
      // A compose window is a page of its own in the same browser context, with the same API binding.
      composeWindows: {
        open: (token) => {
          void (async () => {
            const composePage = await context.newPage();
            appPages.set(composePage, nextContentsId++);
            composePages.set(token, composePage);
            composePage.on('close', () => {
              appPages.delete(composePage);
              composePages.delete(token);
            });
            await composePage.goto(`${BRIDGE_ORIGIN}/index.html#compose=${token}`);
          })().catch((error: unknown) => mainLog.push(`error compose window not opened ${String(error)}`));
        },
        close: (token) => void composePages.get(token)?.close().catch(() => {}),
      },
    });
    const router = checkReplies(backend.router);
    await context.exposeBinding('__mailwrightInvoke', (source, channel: unknown, request: unknown) => {
      const sender: IpcSender = {
        contentsId: appPages.get(source.page) ?? -1,
        isMainFrame: source.frame === source.page.mainFrame(),
        url: source.frame.url(),
      };
      return router.handle(sender, String(channel), request);
    });
    await context.addInitScript({ path: BRIDGE_SCRIPT });
    cleanups.unshift(() => backend.close());
    await page.goto(`${BRIDGE_ORIGIN}/index.html`);
    return {
      mode,
      page,
      dataDir,
      servers,
      blockedRequests,
      mainLog,
      chooseFiles: (paths) => (nextFiles = paths),
      nextSavePath: (path) => (savePath = path),
      openedExternally,
      offSchemaReplies: router.offSchema,
      notifications,
      clickNotification: (notification) => notification.onClick(),
      openMailto: async (url) => backend.openMailto(url),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Playwright fixtures: `servers` (one set of real mail servers per worker) and `app` (a fresh app
 * per test, in the mode named by the project: 'bridge' or 'electron').
 */
export const test = base.extend<{ app: LaunchedApp }, { servers: MailServers; discoveryEnv: DiscoveryEnvironment }>({
  servers: [
    // eslint-disable-next-line no-empty-pattern -- Playwright reads the fixture's dependencies from this pattern
    async ({}, use) => {
      const servers = await startMailServers();
      await use(servers);
      await servers.stop();
    },
    { scope: 'worker', timeout: 90_000 },
  ],
  discoveryEnv: [
    async ({ servers }, use) => {
      const env = await startDiscoveryEnvironment(servers);
      await use(env);
      await env.stop();
    },
    { scope: 'worker', timeout: 30_000 },
  ],
  app: async ({ servers, discoveryEnv, browser }, use, testInfo) => {
    const mode: AppMode = testInfo.project.name === 'electron' ? 'electron' : 'bridge';
    if (mode === 'electron') test.skip(!electronBinary(), ELECTRON_MISSING);
    const app = await launchApp({ mode, servers, discovery: discoveryEnv.options, ...(mode === 'bridge' ? { browser } : {}) });
    await use(app);
    // Every reply the page got matched its channel's response schema (the contract's promise to the renderer).
    if (mode === 'bridge') expect(app.offSchemaReplies, 'replies off their channel schema').toEqual([]);
    if (testInfo.status !== testInfo.expectedStatus && app.mainLog.length) {
      await testInfo.attach('main-process-log', { body: app.mainLog.join('\n'), contentType: 'text/plain' });
      await testInfo.attach('mail-server-log', { body: await servers.log(), contentType: 'text/plain' });
    }
    await app.close();
  },
});

export { expect } from '@playwright/test';
