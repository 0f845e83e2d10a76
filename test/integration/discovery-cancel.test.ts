/**
 * "Cancel lookup" stops discovery in main: with a DNS server that never answers and long timeouts,
 * accounts:cancelDiscover makes the running accounts:discover answer CANCELLED at once, instead of
 * after its timeouts.
 */
import { createSocket, type Socket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src-main/services/logger';
import { startBackend, type StartedBackend } from '../support/backend';

let dns: Socket | undefined;
let backend: StartedBackend | undefined;
let dir: string | undefined;
afterAll(async () => {
  await backend?.close();
  dns?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('cancelling a lookup', () => {
  it('answers CANCELLED at once and stops waiting for the network', async () => {
    // A DNS server that takes every question and never answers.
    dns = createSocket('udp4');
    dns.on('message', () => {});
    await new Promise<void>((resolve) => dns!.bind(0, '127.0.0.1', resolve));
    const port = (dns.address() as AddressInfo).port;
    dir = mkdtempSync(join(tmpdir(), 'mailwright-discover-cancel-'));
    backend = await startBackend(dir, {
      logger: silentLogger,
      discovery: { dnsServers: [`127.0.0.1:${port}`], httpsPort: 9, timeouts: { dnsMs: 20_000, httpMs: 20_000, probeMs: 20_000 } },
    });
    const started = Date.now();
    const lookup = backend.call('accounts:discover', { email: 'alice@slow-lookup.test', allowHttp: false, runId: 'run-1' });
    await new Promise((r) => setTimeout(r, 300));
    expect(await backend.value('accounts:cancelDiscover', { runId: 'run-1' })).toEqual({ cancelled: true });
    const result = await lookup;
    expect(result.ok ? null : result.error.code).toBe('CANCELLED');
    expect(Date.now() - started).toBeLessThan(5_000);
    // Nothing left running under that id.
    expect(await backend.value('accounts:cancelDiscover', { runId: 'run-1' })).toEqual({ cancelled: false });
  });
});
