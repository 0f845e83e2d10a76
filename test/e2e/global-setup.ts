import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { build } from 'vite';
import { BRIDGE_SCRIPT, RENDERER_DIR } from './paths';

/** Bundles the bridge preload into one classic script; checks the production renderer is built. */
export default async function globalSetup() {
  if (!existsSync(resolve(RENDERER_DIR, 'index.html'))) {
    throw new Error('The production renderer is not built: run `npm run build` first (`npm test` does).');
  }
  const out = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      minify: false,
      lib: { entry: resolve('test/e2e/bridge/bridge-preload.ts'), formats: ['iife'], name: 'mailwrightBridge' },
    },
  });
  const outputs = (Array.isArray(out) ? out : [out]) as Array<{ output: Array<{ type: string; code?: string }> }>;
  const chunk = outputs[0]!.output.find((o) => o.type === 'chunk');
  mkdirSync(resolve(BRIDGE_SCRIPT, '..'), { recursive: true });
  writeFileSync(BRIDGE_SCRIPT, chunk!.code!);
}
