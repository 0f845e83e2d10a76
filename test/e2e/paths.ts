import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const RENDERER_DIR = resolve(ROOT, 'out/renderer');
// Test-only: never under out/, which is what the packaged app ships.
export const BRIDGE_SCRIPT = resolve(ROOT, 'test-results/e2e-bridge/bridge.js');
export const SCREENSHOT_DIR = resolve(ROOT, 'test-results/screenshots');
