/**
 * Packaging check: `electron-builder --linux dir` with a stand-in Electron folder (the binary
 * cannot be downloaded here) must assemble app.asar, and what it ships must be the built app and
 * its production dependencies only. Needs the production build (out/), which `npm test` makes
 * before vitest runs.
 *
 * Nothing is downloaded: electronDist is the stand-in (no Electron download), npmRebuild is off
 * (no native headers), and every proxy and the Electron mirror point at a closed local port, so a
 * download attempt fails at once instead of reaching out.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { extractFile, listPackage } from '@electron/asar';
import { chromium } from '@playwright/test';
import { FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { FuseState } from '@electron/fuses/dist/constants';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ORIGIN, CONTENT_SECURITY_POLICY, mimeTypeOf, resolveAppAsset } from '../../src-main/electron/policy';
import { PROJECT_ROOT, readBuilderConfig, REQUIRED_FUSES } from '../support/builder-config';
import { CHROMIUM_ARGS, chromiumExecutable } from '../support/chromium';
import { writeStandInElectronDist } from '../support/stand-in-electron';

const work = mkdtempSync(join(tmpdir(), 'mailwright-packaging-'));
const unpacked = join(work, 'release', 'linux-unpacked');
const asarPath = join(unpacked, 'resources', 'app.asar');
let entries: string[] = [];
let builderLog = '';

const CLOSED = 'http://127.0.0.1:9';

function runElectronBuilder(): Promise<{ code: number | null; log: string }> {
  const dist = writeStandInElectronDist(join(work, 'electron-dist'));
  const bin = join(PROJECT_ROOT, 'node_modules', 'electron-builder', 'cli.js');
  const args = [
    bin,
    '--linux',
    'dir',
    '--publish',
    'never',
    `-c.electronDist=${dist}`,
    '-c.electronVersion=41.7.1',
    '-c.npmRebuild=false',
    `-c.directories.output=${join(work, 'release')}`,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: PROJECT_ROOT,
      env: {
        ...process.env,
        ELECTRON_BUILDER_CACHE: join(work, 'cache'),
        ELECTRON_MIRROR: `${CLOSED}/`,
        ELECTRON_SKIP_BINARY_DOWNLOAD: '1',
        HTTP_PROXY: CLOSED,
        HTTPS_PROXY: CLOSED,
        http_proxy: CLOSED,
        https_proxy: CLOSED,
        NO_PROXY: '',
        no_proxy: '',
        CSC_IDENTITY_AUTO_DISCOVERY: 'false',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let log = '';
    child.stdout.on('data', (chunk: Buffer) => (log += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 110_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, log });
    });
  });
}

/** Package names found in the asar, at any depth of node_modules. */
function packagesIn(paths: string[]): Set<string> {
  const names = new Set<string>();
  for (const path of paths) {
    const parts = path.split('/');
    for (let i = 0; i < parts.length - 1; i++) {
      if (parts[i] !== 'node_modules') continue;
      const [first, second] = [parts[i + 1] ?? '', parts[i + 2] ?? ''];
      const name = first.startsWith('@') ? (second ? `${first}/${second}` : '') : first;
      if (name) names.add(name);
    }
  }
  return names;
}

/** The production dependency closure of package.json, resolved through node_modules as Node would. */
function productionClosure(): Set<string> {
  const seen = new Set<string>(); // package folders already walked
  const names = new Set<string>();
  const visit = (fromDir: string, name: string) => {
    // Walk up from the dependent's folder as Node's resolution does (nested copies first).
    let dir = fromDir;
    for (;;) {
      const candidate = join(dir, 'node_modules', name);
      if (existsSync(join(candidate, 'package.json'))) {
        if (seen.has(candidate)) return;
        seen.add(candidate);
        names.add(name);
        const pkg = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8')) as {
          dependencies?: Record<string, string>;
          optionalDependencies?: Record<string, string>;
        };
        for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(candidate, dep);
        return;
      }
      const parent = join(dir, '..');
      if (parent === dir || !dir.startsWith(PROJECT_ROOT)) return; // optional and not installed
      dir = parent;
    }
  };
  const root = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
  for (const dep of Object.keys(root.dependencies)) visit(PROJECT_ROOT, dep);
  return names;
}

beforeAll(async () => {
  if (!existsSync(join(PROJECT_ROOT, 'out', 'main', 'main.js'))) {
    throw new Error('out/main/main.js is missing: run `npm run build` before the packaging check');
  }
  const result = await runElectronBuilder();
  builderLog = result.log;
  if (result.code !== 0 || !existsSync(asarPath)) {
    throw new Error(`electron-builder --linux dir failed (exit ${result.code}):\n${builderLog.slice(-4000)}`);
  }
  entries = listPackage(asarPath, { isPack: false }).map((entry) => entry.replaceAll('\\', '/'));
}, 120_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('electron-builder --linux dir with a stand-in Electron', () => {
  it('assembles app.asar beside the renamed executable without downloading anything', () => {
    expect(existsSync(join(unpacked, 'mailwright'))).toBe(true);
    expect(statSync(asarPath).size).toBeGreaterThan(100_000);
    expect(builderLog).not.toMatch(/download(ing|ed)\b/i);
  });

  it('ships the main, preload and renderer bundles and package.json', () => {
    expect(entries).toContain('/package.json');
    expect(entries).toContain('/out/main/main.js');
    expect(entries).toContain('/out/preload/index.cjs');
    expect(entries).toContain('/out/renderer/index.html');
    expect(entries.some((e) => /^\/out\/renderer\/assets\/[^/]+\.js$/.test(e))).toBe(true);
    expect(entries.some((e) => /^\/out\/renderer\/assets\/[^/]+\.css$/.test(e))).toBe(true);
  });

  it('ships no sources, tests, source maps or project files', () => {
    const top = new Set(entries.map((e) => e.split('/')[1]));
    expect([...top].sort()).toEqual(['node_modules', 'out', 'package.json']);
    const bad = entries.filter(
      (e) =>
        /\.(map|tsx?|mts|cts)$/.test(e) ||
        /\/(test|tests|__tests__|__mocks__|e2e)\//.test(`${e}/`) ||
        /\.(test|spec)\.[cm]?js$/.test(e) ||
        /^\/(src-main|src-renderer|shared|scripts|bench|assets)\b/.test(e),
    );
    expect(bad).toEqual([]);
    // The OAuth2 client file ships beside the asar (extraResources), never inside it.
    expect(entries).not.toContain('/out/oauth-clients.json');
  });

  it('ships the mailwright command-line scripts beside app.asar, the Unix one executable, and out/main/cli.js in it', () => {
    const script = join(unpacked, 'resources', 'mailwright');
    expect(existsSync(script)).toBe(true);
    expect(statSync(script).mode & 0o111).not.toBe(0);
    expect(readFileSync(script, 'utf8')).toContain('--mailwright-cli');
    expect(readFileSync(join(unpacked, 'resources', 'mailwright.cmd'), 'utf8')).toContain('--mailwright-cli');
    expect(entries).toContain('/out/main/cli.js');
  });

  it('ships the production dependencies and nothing else', () => {
    const shipped = packagesIn(entries);
    const closure = productionClosure();
    const root = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const dep of Object.keys(root.dependencies)) expect(shipped, `${dep} (a dependency) is missing`).toContain(dep);
    expect([...shipped].filter((name) => !closure.has(name))).toEqual([]);
    // Explicitly: nothing of the build, the tests or the renderer's bundled libraries.
    const devOnly = Object.keys(root.devDependencies).filter((name) => !closure.has(name));
    for (const name of [...devOnly, 'playwright', 'playwright-core', 'vitest', 'oidc-provider', 'typescript', 'electron', 'electron-builder', 'vite']) {
      expect(shipped.has(name), `${name} must not ship`).toBe(false);
    }
  });

  it('ships the chunks the renderer loads lazily beside its entry script, where the app:// handler finds them, as JavaScript', () => {
    // As the packaged app serves them: serveRenderer(join(out/main, '../renderer')) inside the asar.
    const root = '/asar/out/renderer';
    const html = extractFile(asarPath, 'out/renderer/index.html').toString('utf8');
    const entry = /<script type="module"[^>]* src="\.\/(assets\/[\w.-]+\.js)"/.exec(html)?.[1];
    expect(entry).toBeDefined();
    const entryUrl = new URL(entry!, `${APP_ORIGIN}/index.html`);
    const code = extractFile(asarPath, `out/renderer/${entry}`).toString('utf8');
    // Dynamic imports are relative to the importing module (assets/), as the browser resolves them.
    const lazy = [...code.matchAll(/import\(`(\.\/[\w.-]+\.js)`\)/g)].map((m) => new URL(m[1]!, entryUrl).href);
    expect(lazy).toEqual(expect.arrayContaining([expect.stringMatching(/\/assets\/RichEditor-[\w-]+\.js$/), expect.stringMatching(/\/assets\/MailView-[\w-]+\.js$/)]));
    for (const url of lazy) {
      const file = resolveAppAsset(root, url);
      expect(file, url).toBe(join(root, new URL(url).pathname));
      expect(entries, url).toContain(`/out/renderer${new URL(url).pathname}`);
      expect(mimeTypeOf(file!)).toBe('text/javascript; charset=utf-8');
    }
  });

  it('the packaged renderer loads its lazy chunks in Chromium, served as the app:// handler serves them, under the CSP', async () => {
    // The asar's out/renderer, served the way renderer-assets.ts does (resolveAppAsset, mimeTypeOf,
    // the CSP and nosniff headers), under an https origin because Playwright intercepts only http(s).
    const origin = 'https://mailwright.invalid';
    const browser = await chromium.launch({ args: CHROMIUM_ARGS, ...(chromiumExecutable() ? { executablePath: chromiumExecutable() } : {}) });
    try {
      const page = await browser.newPage();
      const served: string[] = [];
      await page.route('**/*', (route) => route.abort('blockedbyclient'));
      await page.route(`${origin}/**`, (route) => {
        const appUrl = `${APP_ORIGIN}${new URL(route.request().url()).pathname}`;
        const file = resolveAppAsset('/out/renderer', appUrl);
        const inAsar = file ? file.slice(1) : null;
        if (!inAsar || !entries.includes(`/${inAsar}`)) return route.fulfill({ status: 404, body: 'Not found' });
        served.push(appUrl);
        return route.fulfill({
          status: 200,
          body: extractFile(asarPath, inAsar),
          headers: { 'content-type': mimeTypeOf(inAsar), 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' },
        });
      });
      const violations: string[] = [];
      page.on('console', (m) => /Content Security Policy/i.test(m.text()) && violations.push(m.text()));
      await page.goto(`${origin}/index.html`);
      const chunks = entries.filter((e) => /^\/out\/renderer\/assets\/(RichEditor|MailView)-[\w-]+\.js$/.test(e)).map((e) => e.replace('/out/renderer/', './'));
      expect(chunks).toHaveLength(2);
      // Given as source text: vitest would rewrite an import() inside a function it compiles.
      const exported = (await page.evaluate(
        `Promise.all(${JSON.stringify(chunks)}.map((path) => import(new URL(path, location.href).href).then((m) => Object.keys(m))))`,
      )) as string[][];
      expect(exported.flat()).toEqual(expect.arrayContaining(['RichEditor', 'MailView']));
      expect(served.filter((u) => /\/assets\/(RichEditor|MailView)-/.test(u))).toHaveLength(2);
      expect(violations).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);

  it('flips every fuse the config asks for in the packaged binary', async () => {
    const wire = await getCurrentFuseWire(join(unpacked, 'mailwright'));
    const index: Record<keyof typeof REQUIRED_FUSES, FuseV1Options> = {
      runAsNode: FuseV1Options.RunAsNode,
      enableNodeOptionsEnvironmentVariable: FuseV1Options.EnableNodeOptionsEnvironmentVariable,
      enableNodeCliInspectArguments: FuseV1Options.EnableNodeCliInspectArguments,
      enableCookieEncryption: FuseV1Options.EnableCookieEncryption,
      onlyLoadAppFromAsar: FuseV1Options.OnlyLoadAppFromAsar,
      enableEmbeddedAsarIntegrityValidation: FuseV1Options.EnableEmbeddedAsarIntegrityValidation,
      grantFileProtocolExtraPrivileges: FuseV1Options.GrantFileProtocolExtraPrivileges,
    };
    for (const [name, on] of Object.entries(REQUIRED_FUSES) as [keyof typeof REQUIRED_FUSES, boolean][]) {
      expect(wire[index[name]], name).toBe(on ? FuseState.ENABLE : FuseState.DISABLE);
    }
  });
});

describe('icons the targets need', () => {
  const config = readBuilderConfig() as { win: { icon: string }; mac: { icon: string }; linux: { icon: string } };
  const file = (path: string) => readFileSync(join(PROJECT_ROOT, path));

  it('Windows (NSIS): an .ico with a 256x256 image', () => {
    const ico = file(config.win.icon);
    expect(ico.readUInt16LE(0)).toBe(0);
    expect(ico.readUInt16LE(2)).toBe(1); // type 1 = icon
    const count = ico.readUInt16LE(4);
    // Directory entries of 16 bytes from offset 6; width byte 0 means 256.
    const widths = Array.from({ length: count }, (_, i) => ico[6 + i * 16] || 256);
    expect(widths).toContain(256);
  });

  it('macOS (dmg): an .icns whose length matches its header', () => {
    const icns = file(config.mac.icon);
    expect(icns.subarray(0, 4).toString('latin1')).toBe('icns');
    expect(icns.readUInt32BE(4)).toBe(icns.length);
  });

  it('Linux (AppImage, deb): PNGs named by their real size, up to at least 512x512', () => {
    const dir = join(PROJECT_ROOT, config.linux.icon);
    const pngs = readdirSync(dir).filter((name) => name.endsWith('.png'));
    const sizes: number[] = [];
    for (const name of pngs) {
      const png = readFileSync(join(dir, name));
      expect(png.subarray(1, 4).toString('latin1'), name).toBe('PNG');
      const [width, height] = [png.readUInt32BE(16), png.readUInt32BE(20)];
      expect(`${width}x${height}.png`).toBe(name);
      sizes.push(width);
    }
    for (const size of [16, 32, 48, 64, 128, 256, 512]) expect(sizes).toContain(size);
  });
});
