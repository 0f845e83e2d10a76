/**
 * A stand-in for the Electron distribution folder, for electron-builder's `electronDist` on a
 * machine where the Electron binary cannot be downloaded (ELECTRON_SKIP_BINARY_DOWNLOAD=1).
 *
 * electron-builder copies the folder, renames `electron` to the app's executable name, writes
 * resources/app.asar, and then flips the fuses in the binary with @electron/fuses, which looks for
 * Electron's fuse sentinel followed by the fuse wire. The stand-in is a shell script that carries
 * that sentinel and a wire with Electron's default fuse states in a comment, so the real
 * @electron/fuses code runs on it and the test can read back what it flipped. It cannot start
 * anything: it only lets packaging run to the end.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FuseState, SENTINEL } from '@electron/fuses/dist/constants';
import { FuseV1Options, FuseVersion } from '@electron/fuses';

/** Electron's own defaults (docs/tutorial/fuses.md), in FuseV1Options order. */
const ELECTRON_DEFAULTS: Record<FuseV1Options, boolean> = {
  [FuseV1Options.RunAsNode]: true,
  [FuseV1Options.EnableCookieEncryption]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: true,
  [FuseV1Options.EnableNodeCliInspectArguments]: true,
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: false,
  [FuseV1Options.OnlyLoadAppFromAsar]: false,
  [FuseV1Options.LoadBrowserProcessSpecificV8Snapshot]: false,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: true,
};

export function writeStandInElectronDist(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const states = Object.values(ELECTRON_DEFAULTS).map((on) => (on ? FuseState.ENABLE : FuseState.DISABLE));
  const wire = Buffer.from([Number(FuseVersion.V1), states.length, ...states]);
  const script = Buffer.concat([
    Buffer.from('#!/bin/sh\n# Stand-in for the Electron binary (packaging checks only); fuse wire: '),
    Buffer.from(SENTINEL),
    wire,
    Buffer.from('\necho "stand-in Electron: not runnable" >&2\nexit 1\n'),
  ]);
  const binary = join(dir, 'electron');
  writeFileSync(binary, script);
  chmodSync(binary, 0o755);
  // Files electron-builder's Linux packager reads from a real distribution, if present.
  writeFileSync(join(dir, 'version'), '41.7.1');
  writeFileSync(join(dir, 'LICENSE'), 'stand-in\n');
  return dir;
}
