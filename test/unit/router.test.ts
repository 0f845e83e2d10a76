import { describe, expect, it, vi } from 'vitest';
import { CHANNEL_NAMES } from '../../shared/channels';
import { ok } from '../../shared/result';
import { createRouter, createSenderPolicy, type Handlers, type IpcSender } from '../../src-main/ipc/router';
import type { Logger } from '../../src-main/services/logger';

const APP = 'app://mailwright';
const good: IpcSender = { contentsId: 7, isMainFrame: true, url: `${APP}/index.html` };

function setup() {
  const calls: string[] = [];
  const handlers = Object.fromEntries(
    CHANNEL_NAMES.map((c) => [
      c,
      vi.fn(async (request: unknown) => {
        calls.push(c);
        return ok({ echoed: request });
      }),
    ]),
  ) as unknown as Handlers;
  const logs: string[] = [];
  const logger: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };
  const router = createRouter({ handlers, isTrustedSender: createSenderPolicy({ appOrigin: APP, contentsIds: () => [7] }), logger });
  return { router, calls, handlers, logs };
}

describe('the IPC router', () => {
  it('runs the handler for a trusted sender with a valid request', async () => {
    const { router, calls } = setup();
    const result = await router.handle(good, 'accounts:list', {});
    expect(result).toEqual({ ok: true, value: { echoed: {} } });
    expect(calls).toEqual(['accounts:list']);
  });

  it.each([
    ['an iframe of our window', { ...good, isMainFrame: false }],
    ['another web contents', { ...good, contentsId: 8 }],
    ['another origin', { ...good, url: 'https://evil.example/index.html' }],
    ['a file:// page', { ...good, url: 'file:///tmp/index.html' }],
    ['a lookalike origin', { ...good, url: 'app://mailwright.evil/index.html' }],
    ['an unparsable URL', { ...good, url: 'not a url' }],
  ])('refuses %s before any handler runs', async (_name, sender) => {
    const { router, calls } = setup();
    const result = await router.handle(sender, 'accounts:list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'UNTRUSTED_SENDER' } });
    expect(calls).toEqual([]);
  });

  it('refuses unknown channels, including prototype keys', async () => {
    const { router, calls } = setup();
    for (const channel of ['accounts:steal', '__proto__', 'constructor', 'toString']) {
      expect(await router.handle(good, channel, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_CHANNEL' } });
    }
    expect(calls).toEqual([]);
  });

  it('refuses an invalid request with field paths only: the handler never runs and no value is echoed', async () => {
    const { router, calls } = setup();
    const secret = 'hunter2-very-secret';
    const result = await router.handle(good, 'accounts:save', {
      account: { description: '', email: `not-an-email ${secret}`, displayName: 'A', smtp: { host: 'x', port: 0, security: 'tls', auth: 'password', username: 'a' } },
      password: secret,
      extra: secret,
    });
    expect(calls).toEqual([]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('INVALID_REQUEST');
    const paths = result.error.detail?.fields?.map((f) => f.path) ?? [];
    expect(paths).toEqual(expect.arrayContaining(['account.email', 'account.smtp.port']));
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(JSON.stringify(result)).not.toContain('not-an-email');
  });

  it('turns a thrown error into INTERNAL without forwarding its text', async () => {
    const { router, handlers, logs } = setup();
    handlers['accounts:list'] = async () => {
      throw new Error('ENOENT /home/alice/secret/path');
    };
    const result = await router.handle(good, 'accounts:list', {});
    expect(result).toEqual({ ok: false, error: { code: 'INTERNAL', message: expect.any(String) } });
    expect(JSON.stringify(result)).not.toContain('/home/alice');
    expect(logs).toContain('ipc: handler failed');
  });
});
