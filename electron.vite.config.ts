import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import type { Plugin } from 'vite';
import { CONTENT_SECURITY_POLICY } from './src-main/electron/policy';

/** The production CSP also goes into index.html (the dev server needs inline HMR code, so not in dev). */
const cspMeta = (): Plugin => ({
  name: 'mailwright-csp-meta',
  apply: 'build',
  transformIndexHtml: () => [
    { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CONTENT_SECURITY_POLICY }, injectTo: 'head-prepend' },
  ],
});

export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      // cli: the `mailwright` command line (src-main/cli), plain Node; bin/mailwright.mjs runs it.
      rollupOptions: { input: { main: resolve('src-main/main.ts'), cli: resolve('src-main/cli/cli.ts') } },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can require only 'electron': bundle everything else into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src-main/preload/index.ts') },
        // Sandboxed preloads must be CommonJS.
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [react(), cspMeta()],
    build: {
      outDir: 'out/renderer',
      // electron-vite leaves the renderer unminified by default: 2 MB of script parsed before the
      // first screen. Minified (Vite's default minifier), and the editor and the Mail view are
      // chunks of their own, loaded when first shown (LazyRichEditor.tsx, LazyMailView.tsx).
      // No source maps are written (Vite's default), so none can ship.
      minify: true,
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});
