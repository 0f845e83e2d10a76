/**
 * Builds bench/bare-react the way electron.vite.config.ts builds the renderer (electron-vite's
 * renderer defaults: Electron's Chrome as the target, relative base; React's plugin; minified), so
 * that bench/startup.ts compares the app with a bare React app from the same tool chain. The
 * output folder is given by the bench (a temporary folder).
 */
import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';

export default defineConfig({
  renderer: {
    root: import.meta.dirname,
    plugins: [react()],
    build: {
      minify: true,
      rollupOptions: { input: resolve(import.meta.dirname, 'index.html') },
    },
  },
});
