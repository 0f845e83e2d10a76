/**
 * package.json `engines.node` is true to what the build needs: every Node version it admits is
 * admitted by every dependency and dev dependency that states its own (vite and electron-vite need
 * 20.19 or 22.12 and later; vitest does not support the odd-numbered 21 and 23). The packaged app
 * runs on Electron's own Node; this range is for building, testing and the e2e bridge.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  engines: { node: string };
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const require = createRequire(join(root, 'package.json'));
// semver comes with conf, electron-builder and others (not a direct dependency, so no types): its
// `subset` is the exact question, "is every version our range admits also in theirs".
const { subset } = require('semver') as { subset: (range: string, of: string) => boolean };

describe('engines.node', () => {
  const names = [...Object.keys(pkg.dependencies), ...Object.keys(pkg.devDependencies)];
  it.each(names)('admits only Node versions %s supports', (name) => {
    let engines: { node?: string } | undefined;
    try {
      engines = (JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as { engines?: { node?: string } }).engines;
    } catch {
      return; // a package that hides its package.json behind "exports" states nothing we can read
    }
    if (!engines?.node) return;
    expect(subset(pkg.engines.node, engines.node), `${pkg.engines.node} is not within ${name}'s ${engines.node}`).toBe(true);
  });
});
