import { describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, EVENT_NAMES } from '../../shared/channels';
import { createApiClient, type Transport } from '../../shared/client';
import { ERROR_CODES } from '../../shared/errors';
import { CHANNELS, EVENTS } from '../../shared/ipc';
import { AccountInputSchema, DEFAULT_PORT } from '../../shared/model';
import { ComposeDraftSchema } from '../../shared/outbox';

const validAccount = {
  description: 'Work',
  email: 'alice@example.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.example.com', port: 465, security: 'tls', auth: 'password', username: 'alice@example.com' },
};

describe('the contract', () => {
  it('names every channel domain:verb and pairs each name with schemas', () => {
    expect(Object.keys(CHANNELS).sort()).toEqual([...CHANNEL_NAMES].sort());
    expect(Object.keys(EVENTS).sort()).toEqual([...EVENT_NAMES].sort());
    for (const name of [...CHANNEL_NAMES, ...EVENT_NAMES]) expect(name).toMatch(/^[a-z]+:[a-z][a-zA-Z]*$/);
  });

  it('describes every error code in one line', () => {
    for (const [code, text] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[A-Z][A-Z0-9_]+$/);
      expect(text.length).toBeGreaterThan(10);
      expect(text).not.toContain('\n');
    }
  });

  it('accepts a valid account and refuses hosts with a scheme, a port or a newline in a name', () => {
    expect(AccountInputSchema.safeParse(validAccount).success).toBe(true);
    for (const host of ['smtp://smtp.example.com', 'smtp.example.com:587', 'smtp example.com', '']) {
      expect(AccountInputSchema.safeParse({ ...validAccount, smtp: { ...validAccount.smtp, host } }).success, host).toBe(false);
    }
    expect(AccountInputSchema.safeParse({ ...validAccount, displayName: 'Alice\r\nBcc: x@evil.example' }).success).toBe(false);
    expect(AccountInputSchema.safeParse({ ...validAccount, smtp: { ...validAccount.smtp, port: 70000 } }).success).toBe(false);
  });

  it('needs a username only with password authentication', () => {
    const noUser = { ...validAccount, smtp: { ...validAccount.smtp, username: '' } };
    const parsed = AccountInputSchema.safeParse(noUser);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['smtp', 'username']);
    expect(AccountInputSchema.safeParse({ ...noUser, smtp: { ...noUser.smtp, auth: 'none' } }).success).toBe(true);
  });

  it('maps each security to its standard port', () => {
    expect(DEFAULT_PORT).toEqual({ tls: 465, starttls: 587, none: 25 });
  });

  it('refuses a draft with a line break in the subject, an unknown body mode or a bad account id', () => {
    const base = { accountId: crypto.randomUUID(), to: 'bob@example.com', cc: '', bcc: '', subject: 'Hi', body: { mode: 'plain', html: '', text: 'Hello' }, attachments: [] };
    expect(ComposeDraftSchema.safeParse(base).success).toBe(true);
    expect(ComposeDraftSchema.safeParse({ ...base, subject: 'Hi\nBcc: x@evil.example' }).success).toBe(false);
    expect(ComposeDraftSchema.safeParse({ ...base, body: { ...base.body, mode: 'markdown' } }).success).toBe(false);
    expect(ComposeDraftSchema.safeParse({ ...base, accountId: 'x' }).success).toBe(false);
  });
});

describe('the generated client', () => {
  it('has one function per channel and one subscribe function per event, nothing else', () => {
    const calls: Array<[string, unknown]> = [];
    const transport: Transport = {
      invoke: async (channel, request) => {
        calls.push([channel, request]);
        return { ok: true, value: null };
      },
      subscribe: () => () => {},
    };
    const api = createApiClient(transport) as unknown as Record<string, Record<string, unknown>>;
    const exposed = Object.entries(api).flatMap(([domain, verbs]) => Object.keys(verbs).map((v) => `${domain}:${v}`));
    const camel = (e: string) => e.replace(/:([a-z])/g, (_m, c: string) => c.toUpperCase());
    expect(exposed.sort()).toEqual([...CHANNEL_NAMES, ...EVENT_NAMES.map((e) => `events:${camel(e)}`)].sort());
    expect(exposed).toContain('events:accountsChanged');
    for (const fn of Object.values(api).flatMap((v) => Object.values(v))) expect(typeof fn).toBe('function');
  });

  it('passes each call to the transport under its channel name', async () => {
    const seen: string[] = [];
    const api = createApiClient({
      invoke: async (channel) => {
        seen.push(channel);
        return { ok: true, value: [] };
      },
      subscribe: () => () => {},
    });
    await api.accounts.list({});
    await api.outbox.cancel({ id: 'x' });
    expect(seen).toEqual(['accounts:list', 'outbox:cancel']);
  });

  it('subscribes to push events and hands back an unsubscribe', () => {
    const listeners = new Map<string, (p: unknown) => void>();
    const api = createApiClient({
      invoke: async () => null,
      subscribe: (event, listener) => {
        listeners.set(event, listener);
        return () => listeners.delete(event);
      },
    });
    const got: unknown[] = [];
    const off = api.events.accountsChanged((p) => got.push(p));
    listeners.get('accounts:changed')?.([]);
    off();
    expect(got).toEqual([[]]);
    expect(listeners.size).toBe(0);
  });
});
