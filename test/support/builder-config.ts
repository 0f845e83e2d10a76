/**
 * electron-builder.yml as electron-builder reads it. js-yaml is the YAML parser electron-builder
 * itself depends on (app-builder-lib), so the test parses the file the same way packaging does.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load: (text: string) => unknown };

export const PROJECT_ROOT = join(import.meta.dirname, '../..');

export function readBuilderConfig(): Record<string, unknown> {
  const config = yaml.load(readFileSync(join(PROJECT_ROOT, 'electron-builder.yml'), 'utf8'));
  if (!config || typeof config !== 'object') throw new Error('electron-builder.yml is not a mapping');
  return config as Record<string, unknown>;
}

/** The fuses we set and the value each must have (names as in electron-builder's FuseOptionsV1). */
export const REQUIRED_FUSES = {
  runAsNode: false, // ELECTRON_RUN_AS_NODE would make the app a plain Node
  enableNodeOptionsEnvironmentVariable: false, // NODE_OPTIONS=--require evil.js
  enableNodeCliInspectArguments: false, // --inspect / SIGUSR1 debugger on the main process
  enableCookieEncryption: true, // cookies on disk encrypted with the OS key
  onlyLoadAppFromAsar: true, // no loose resources/app folder beside (or instead of) the asar
  enableEmbeddedAsarIntegrityValidation: true, // the asar must match its recorded hash (macOS, Windows)
  grantFileProtocolExtraPrivileges: false, // the renderer is served from app://, never file://
} as const;
