import { existsSync, readFileSync } from 'node:fs';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint();
const ruleIds = async (filePath: string, code: string) =>
  (await eslint.lintText(code, { filePath }))[0]!.messages.map((m) => m.ruleId);

describe('runtime layering', () => {
  it('allows electron only in src-main/electron and src-main/preload', async () => {
    const code = "import { app } from 'electron';\nexport const a = app;\n";
    expect(await ruleIds('src-main/electron/x.ts', code)).not.toContain('no-restricted-imports');
    expect(await ruleIds('src-main/preload/x.ts', code)).not.toContain('no-restricted-imports');
    for (const file of ['src-main/services/x.ts', 'src-main/main.ts', 'src-main/ipc/x.ts', 'shared/x.ts', 'src-renderer/x.tsx']) {
      expect(await ruleIds(file, code), file).toContain('no-restricted-imports');
    }
  });

  it('keeps src-main/ipc and src-main/services out of src-main/electron (no folder cycle through the glue)', async () => {
    const from = (path: string) => `import { APP_ORIGIN } from '${path}';\nexport const a = APP_ORIGIN;\n`;
    for (const [file, path] of [
      ['src-main/ipc/x.ts', '../electron/policy'],
      ['src-main/services/x.ts', '../electron/policy'],
      ['src-main/services/mail/x.ts', '../../electron/policy'],
      ['src-main/services/mail/x.ts', '../../electron'],
    ] as const) {
      expect(await ruleIds(file, from(path)), `${file} -> ${path}`).toContain('no-restricted-imports');
    }
    // The composition root and the glue itself may; and everyone may use the plain link policy.
    expect(await ruleIds('src-main/main.ts', from('./electron/policy'))).not.toContain('no-restricted-imports');
    expect(await ruleIds('src-main/electron/x.ts', from('./policy'))).not.toContain('no-restricted-imports');
    expect(await ruleIds('src-main/ipc/x.ts', from('../services/link-policy'))).not.toContain('no-restricted-imports');
  });

  it('keeps Node built-ins out of shared/ and the renderer', async () => {
    const code = "import { readFileSync } from 'node:fs';\nexport const r = readFileSync;\n";
    expect(await ruleIds('shared/x.ts', code)).toContain('no-restricted-imports');
    expect(await ruleIds('src-renderer/x.ts', code)).toContain('no-restricted-imports');
    expect(await ruleIds('src-main/services/x.ts', code)).not.toContain('no-restricted-imports');
  });

  it('builds a sandbox-compatible preload that requires nothing but electron', () => {
    const file = 'out/preload/index.cjs';
    expect(existsSync(file), 'run `npm run build` first (npm test does)').toBe(true);
    const requires = [...readFileSync(file, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(requires).toEqual(['electron']);
  });
});
