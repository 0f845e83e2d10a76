import { resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const RENDERER_DIR = resolve(ROOT, 'out/renderer');
export const BRIDGE_SCRIPT = resolve(ROOT, 'out/e2e-bridge/bridge.js');
export const SCREENSHOT_DIR = resolve(ROOT, 'test-results/screenshots');
