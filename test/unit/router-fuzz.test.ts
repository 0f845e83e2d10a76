/**
 * Property-based fuzz test of the IPC router over every channel of the contract (fast-check).
 * Each channel starts from a valid request (VALID, checked against the router first), and each
 * generated request is that request damaged in one to three places: a value replaced by one of
 * the wrong type, NaN, Infinity, an out-of-range number, a huge or multi-line string, a deep
 * nesting of arrays or objects, an array where an object belongs, a key removed, or an extra key
 * (among them __proto__, constructor and prototype, set as own keys the way JSON.parse or a
 * structured clone sets them). The whole payload may be replaced too.
 *
 * The contract's schema is the judge of what is valid; what is checked is the router around it:
 * a request the contract refuses (or that is above the size limits) never reaches its handler,
 * and one it accepts reaches it exactly once with the parsed value; every answer is a Result,
 * never a throw; a refusal carries exactly the ERROR_CODES text and field paths and problem kinds
 * only, never a piece of the input (every generated string carries a marker, and no answer may
 * contain it); nothing leaks onto Object.prototype. A request on an unknown channel or from an
 * untrusted sender never reaches a handler either.
 *
 * Seeded: ROUTER_FUZZ_SEED replays a run, ROUTER_FUZZ_RUNS sets the requests per channel. The
 * figures (seed, requests tried, handler runs on invalid requests) are printed at the end.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { CHANNEL_NAMES, isChannel, type Channel } from '../../shared/channels';
import { ERROR_CODES } from '../../shared/errors';
import { CHANNELS, type RequestOf } from '../../shared/ipc';
import type { AccountInput } from '../../shared/model';
import type { ComposeDraft } from '../../shared/outbox';
import { ok, type Result } from '../../shared/result';
import { createRouter, createSenderPolicy, DEFAULT_REQUEST_LIMITS, exceedsLimits, REQUEST_LIMITS, type Handlers, type IpcSender } from '../../src-main/ipc/router';
import type { Logger } from '../../src-main/services/logger';

const SEED = Number(process.env.ROUTER_FUZZ_SEED) || 20261204;
const RUNS = Number(process.env.ROUTER_FUZZ_RUNS) || 500;
const APP = 'app://mailwright';
const good: IpcSender = { contentsId: 7, isMainFrame: true, url: `${APP}/index.html` };
/** Every string the generators make carries this, so a reply that echoes input is caught. */
const MARK = 'Fz9q';

const uuid = '8c5c5a4e-3b0c-4b8e-9d2a-1f2e3d4c5b6a';
const account: AccountInput = {
  description: 'Work',
  email: 'alice@example.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'password', username: 'alice' },
  incoming: { protocol: 'imap', auth: 'password', host: 'imap.example.com', port: 993, security: 'tls', username: 'alice', saveSentCopy: true, leaveOnServerDays: 14 },
  signature: '-- Alice',
  identities: [{ id: uuid, name: 'Alice at home', email: 'alice@home.example', signature: '' }],
  oauth: null,
};
const draft: ComposeDraft = {
  accountId: uuid,
  identityId: '',
  to: 'bob@example.com',
  cc: '',
  bcc: '',
  subject: 'Hello',
  body: { mode: 'rich', html: '<p>Hi</p>', text: 'Hi' },
  attachments: [{ token: 'tok-1', name: 'a.txt', size: 3 }],
  inReplyTo: '<a@example.com>',
  references: ['<a@example.com>'],
  dsn: { notify: ['failure'], ret: 'headers' },
};
const ref = { accountId: uuid, folder: 'INBOX', uid: 1 };
const mapping = { addressColumn: 'Email', required: ['Name'] };
const template = {
  accountId: uuid,
  identityId: '',
  to: '{{Name}} <{{Email}}>',
  cc: '',
  subject: 'Hello {{Name|there}}',
  body: { mode: 'rich' as const, html: '<p>Hi {{Name}}</p>', text: 'Hi {{Name}}' },
  attachmentColumn: 'Files',
  unsubscribe: { mailto: 'leave@example.org', https: 'https://example.org/u' },
};

/** One valid request per channel; the compiler checks that none is missing and each has its channel's shape. */
const VALID: { [C in Channel]: RequestOf<C> } = {
  'app:info': {},
  'app:notices': {},
  'app:dismissNotice': { id: uuid },
  'compose:takeMailto': {},
  'compose:open': { draft, draftId: uuid, checkRecipients: false },
  'compose:take': { token: uuid },
  'compose:close': { token: uuid },
  'preferences:set': { undoSeconds: 10 },
  'accounts:list': {},
  'accounts:save': { id: uuid, account, password: 'secret-1', incomingPassword: 'secret-2' },
  'accounts:delete': { id: uuid },
  'accounts:discover': { email: 'alice@example.com', allowHttp: false },
  'accounts:verify': { runId: 'run-1', account, accountId: uuid, password: 'secret-1', incomingPassword: 'secret-2', oauthSession: uuid },
  'oauth:signIn': {
    runId: 'run-1',
    provider: {
      id: 'microsoft',
      name: 'Microsoft',
      issuer: 'https://login.microsoftonline.com/common/v2.0',
      authorizationEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/authorize',
      tokenEndpoint: 'https://login.microsoftonline.com/common/oauth2/v2.0/token',
      scopes: ['https://outlook.office.com/SMTP.Send', 'offline_access'],
    },
    ownClientId: '00000000-0000-0000-0000-000000000000',
    loginHint: 'alice@example.com',
    accountId: uuid,
  },
  'oauth:cancel': { runId: 'run-1' },
  'accounts:cancelDiscover': { runId: 'run-1' },
  'attachments:pick': {},
  'attachments:dropBegin': { name: 'a.txt', size: 10 },
  'attachments:dropChunk': { upload: uuid, data: 'QUJD' },
  'attachments:dropEnd': { upload: uuid },
  'outbox:enqueue': { draft, sendAt: '2030-01-01T09:00:00+01:00' },
  'outbox:list': {},
  'outbox:history': { before: null, limit: 50 },
  'outbox:undo': { id: 'job-1' },
  'outbox:cancel': { id: 'job-1' },
  'outbox:retry': { id: 'job-1' },
  'outbox:markSent': { id: 'job-1' },
  'drafts:save': { id: uuid, draft },
  'drafts:list': {},
  'drafts:open': { id: uuid },
  'drafts:delete': { id: uuid },
  'mail:folders': { accountId: uuid },
  'mail:list': { accountId: uuid, folder: 'INBOX', offset: 0, limit: 50 },
  'mail:search': { accountId: uuid, folder: 'INBOX', query: 'invoice', field: 'from', limit: 20 },
  'mail:open': ref,
  'mail:setFlags': { accountId: uuid, folder: 'INBOX', uids: [1, 2], seen: true, flagged: false },
  'mail:move': { accountId: uuid, folder: 'INBOX', uids: [1], to: 'Archive' },
  'mail:delete': { accountId: uuid, folder: 'INBOX', uids: [1] },
  'mail:allowRemote': { ...ref, scope: 'sender' },
  'mail:saveAttachment': { ...ref, index: 0 },
  'mail:compose': { ...ref, mode: 'replyAll' },
  'mail:refresh': { accountId: uuid },
  'mail:statuses': {},
  'mail:wake': {},
  'app:openExternal': { url: 'https://example.com/page' },
  'accounts:setSendingLimits': { id: uuid, limits: { recipientsPerDay: 500, messagesPerMinute: 20 } },
  'merge:load': { source: { kind: 'file', name: 'members.csv', data: 'TmFtZSxFbWFpbA0KQW5uLGFubkBleGFtcGxlLm9yZw==' } },
  'merge:check': { mergeId: uuid, mapping },
  'merge:review': { mergeId: uuid, mapping, template },
  'merge:preview': { mergeId: uuid, mapping, template, index: 2 },
  'merge:plan': { mergeId: uuid, mapping, template },
  'merge:test': { mergeId: uuid, mapping, template, count: 3 },
  'merge:start': { mergeId: uuid, mapping, template, withoutUnsubscribe: false },
  'merge:list': {},
  'merge:pause': { batchId: uuid },
  'merge:resume': { batchId: uuid },
  'merge:cancel': { batchId: uuid },
  'merge:results': { batchId: uuid },
  'merge:retryFailed': { batchId: uuid },
  'merge:export': { batchId: uuid },
  'merge:close': { mergeId: uuid },
  'sandbox:status': {},
  'sandbox:list': { offset: 0, limit: 50, batchId: uuid },
  'sandbox:open': { id: uuid },
  'sandbox:saveSource': { id: uuid },
  'sandbox:delete': { id: uuid },
  'sandbox:clear': {},
  'sandbox:setFaults': {
    faults: {
      rules: [
        { kind: 'reply', stage: 'rcpt', code: 550, text: '5.1.1 No such user', probability: 1, recipients: '*@example.com' },
        { kind: 'drop', at: 'after-final-dot', probability: 0.5 },
        { kind: 'slow', delayMs: 2000, probability: 1 },
        { kind: 'tls', probability: 1 },
      ],
    },
  },
  'sandbox:setHidden': { hidden: true },
};

function setup() {
  const calls: Array<{ channel: string; request: unknown }> = [];
  const handlers = Object.fromEntries(
    CHANNEL_NAMES.map((channel) => [
      channel,
      async (request: unknown) => {
        calls.push({ channel, request });
        return ok({ done: true });
      },
    ]),
  ) as unknown as Handlers;
  const logger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };
  const router = createRouter({ handlers, isTrustedSender: createSenderPolicy({ appOrigin: APP, contentsIds: () => [7] }), logger });
  return { router, calls };
}

// ---- generators ----

const marked = fc.string({ maxLength: 12 }).map((s) => `${MARK}${s}`);
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'then'];
const key = fc.oneof(fc.constantFrom(...PROTO_KEYS), marked);

/** Sets an own, enumerable property even for "__proto__" (as JSON.parse and structured clone do). */
function setOwn(target: object, name: string, value: unknown): void {
  Object.defineProperty(target, name, { value, enumerable: true, writable: true, configurable: true });
}

const nested = (depth: number, kind: 'array' | 'object', leaf: unknown): unknown => {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = kind === 'array' ? [v] : { [`${MARK}d`]: v };
  return v;
};

const special = fc.constantFrom<unknown>(
  NaN,
  Infinity,
  -Infinity,
  -0,
  -1,
  1.5,
  2 ** 31,
  2 ** 32 + 1,
  2 ** 53 + 2,
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  null,
  undefined,
  true,
  false,
  '',
  ' ',
  `${MARK}\r\nBcc: x@evil.example`,
  `INBOX${MARK}\r\nA1 LOGOUT`,
  `${MARK}\u0000`,
  `../../${MARK}/etc/passwd`,
  `javascript:alert('${MARK}')`,
  `file:///${MARK}`,
  `00000000-0000-0000-0000-00000000000${MARK}`,
  [],
  {},
);

/** A wrong value of any kind, sometimes nesting more of them. */
const junk: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    special,
    marked,
    fc.integer(),
    fc.double(),
    fc.bigInt(),
    fc.date({ noInvalidDate: false }),
    fc.uint8Array({ maxLength: 16 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.tuple(fc.array(fc.tuple(key, tie('value')), { maxLength: 4 })).map(([entries]) => {
      const o = {};
      for (const [k, v] of entries) setOwn(o, k, v);
      return o;
    }),
  ),
})).value;

/** One change to the value at a path; `undefined` from `replace` deletes the key. */
type Change = { kind: 'replace'; make: (old: unknown) => unknown } | { kind: 'delete' } | { kind: 'extraKey'; key: string; value: unknown };

const change: fc.Arbitrary<Change> = fc.oneof(
  { weight: 5, arbitrary: junk.map((v) => ({ kind: 'replace' as const, make: () => v })) },
  { weight: 2, arbitrary: fc.constant<Change>({ kind: 'delete' }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('extraKey' as const), key, value: junk }) },
  // Out of range, or almost valid: numbers moved past their limits, strings that grew or broke.
  {
    weight: 3,
    arbitrary: fc.constantFrom(-1, 0, 1, 61, 501, 1001, 65536, 10_001, 10_000_001, 2 ** 32 + 1, 0.5).map((n): Change => ({
      kind: 'replace',
      make: (old) => (typeof old === 'number' ? n : typeof old === 'string' ? `${old}${MARK}${n}` : n),
    })),
  },
  {
    weight: 2,
    arbitrary: fc.constantFrom(65, 255, 999, 1_025, 8_193, 100_001, 1_400_001, 2_000_001).map((n): Change => ({
      kind: 'replace',
      make: () => MARK + 'x'.repeat(n),
    })),
  },
  { weight: 1, arbitrary: fc.constant<Change>({ kind: 'replace', make: (old) => `${typeof old === "string" ? old : typeof old}\r\n${MARK}` }) },
  { weight: 1, arbitrary: fc.constant<Change>({ kind: 'replace', make: (old) => (old !== null && typeof old === 'object' ? Object.values(old) : [old]) }) },
  { weight: 1, arbitrary: fc.constant<Change>({ kind: 'replace', make: (old) => ({ [MARK]: old }) }) },
  {
    weight: 1,
    arbitrary: fc.record({ depth: fc.integer({ min: 2, max: 5000 }), kind: fc.constantFrom('array' as const, 'object' as const) }).map(
      ({ depth, kind }): Change => ({ kind: 'replace', make: (old) => nested(depth, kind, old) }),
    ),
  },
);

/**
 * Every path into a request, down to 6 levels (valid requests are at most 4 deep; deeper ones come
 * from earlier changes): [] (the whole request), object keys and array indices, depth first.
 */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const paths = [prefix];
  if (value !== null && typeof value === 'object' && prefix.length < 6) {
    for (const [k, v] of Object.entries(value)) paths.push(...pathsOf(v, [...prefix, Array.isArray(value) ? Number(k) : k]));
  }
  return paths;
}

function applyChange(request: unknown, path: Array<string | number>, c: Change): unknown {
  if (path.length === 0) {
    if (c.kind === 'delete') return undefined;
    if (c.kind === 'replace') return c.make(request);
  }
  let parent = request as Record<string | number, unknown>;
  for (const step of path.slice(0, -1)) parent = parent[step] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  const at = last === undefined ? request : parent[last];
  if (c.kind === 'delete') delete parent[last!];
  else if (c.kind === 'replace') parent[last!] = c.make(at);
  else if (at !== null && typeof at === 'object') setOwn(at, c.key, c.value);
  else if (path.length > 0) setOwn(parent, c.key, c.value);
  return request;
}

const damaged = (channel: Channel): fc.Arbitrary<unknown> => {
  const paths = pathsOf(VALID[channel]);
  return fc.array(fc.tuple(fc.nat(), change), { minLength: 1, maxLength: 3 }).map((changes) => {
    let request: unknown = structuredClone(VALID[channel]);
    for (const [i, c] of changes) {
      // Damage a path that still exists after the earlier changes.
      const live = pathsOf(request);
      const path = paths[i % paths.length]!;
      const exists = live.some((p) => p.length === path.length && p.every((s, j) => s === path[j]));
      request = applyChange(request, exists ? path : [], c);
    }
    return request;
  });
};

// ---- checks ----

const figures = { requests: 0, invalid: 0, valid: 0, handlerRunsOnInvalid: 0, oversize: 0, untrustedOrUnknown: 0 };

/** A refusal says the code's own text and names fields by path and problem kind, nothing else. */
function expectCleanRefusal(result: Result<unknown>, code: keyof typeof ERROR_CODES): void {
  expect(result.ok).toBe(false);
  if (result.ok) return;
  expect(Object.keys(result.error).sort()).toEqual(code === 'INVALID_REQUEST' ? ['code', 'detail', 'message'] : ['code', 'message']);
  expect(result.error.code).toBe(code);
  expect(result.error.message).toBe(ERROR_CODES[code]);
  if (code === 'INVALID_REQUEST') {
    expect(Object.keys(result.error.detail!)).toEqual(['fields']);
    expect(result.error.detail!.fields!.length).toBeGreaterThan(0);
    for (const field of result.error.detail!.fields!) {
      expect(Object.keys(field).sort()).toEqual(['path', 'problem']);
      expect(field.path).toMatch(/^(\(request\)|[A-Za-z0-9_.]*)$/);
      expect(field.problem).toMatch(/^[a-z_]+$/);
    }
  }
  expect(JSON.stringify(result)).not.toContain(MARK);
}

afterAll(() => {
  console.log(
    [
      `router fuzz (seed ${SEED}, ${RUNS} damaged requests per channel, ${CHANNEL_NAMES.length} channels; replay with ROUTER_FUZZ_SEED=${SEED}):`,
      `  requests tried ${figures.requests}: invalid ${figures.invalid} (above the size limits ${figures.oversize}), still valid ${figures.valid}, from untrusted senders or on unknown channels ${figures.untrustedOrUnknown}`,
      `  handler runs on invalid requests: ${figures.handlerRunsOnInvalid}`,
    ].join('\n'),
  );
});

describe('the IPC router under fuzzing', () => {
  it('accepts the valid request of every channel (the base every damaged request starts from)', async () => {
    const { router, calls } = setup();
    for (const channel of CHANNEL_NAMES) expect(await router.handle(good, channel, structuredClone(VALID[channel])), channel).toEqual(ok({ done: true }));
    expect(calls.map((c) => c.channel)).toEqual([...CHANNEL_NAMES]);
  });

  it.each(CHANNEL_NAMES.map((channel, i) => [channel, i] as const))(
    '%s: a damaged request never reaches the handler, never throws, never leaks',
    async (channel, i) => {
      const { router, calls } = setup();
      const schema = CHANNELS[channel].request;
      const limits = REQUEST_LIMITS[channel] ?? DEFAULT_REQUEST_LIMITS;
      await fc.assert(
        fc.asyncProperty(damaged(channel), async (request) => {
          figures.requests++;
          const before = calls.length;
          // The judges, asked before the router so that nothing it does can sway them.
          const oversize = exceedsLimits(request, limits) !== null;
          const verdict = oversize ? null : schema.safeParse(request);
          const result = await router.handle(good, channel, request); // a throw fails the property
          if (verdict?.success) {
            figures.valid++;
            expect(result).toEqual(ok({ done: true }));
            expect(calls.length).toBe(before + 1);
            expect(calls[before]!.request).toEqual(verdict.data);
            return;
          }
          figures.invalid++;
          if (oversize) figures.oversize++;
          figures.handlerRunsOnInvalid += calls.length - before;
          expect(calls.length, 'a handler ran for an invalid request').toBe(before);
          expectCleanRefusal(result, 'INVALID_REQUEST');
        }),
        { seed: SEED + i, numRuns: RUNS, endOnFailure: true },
      );
      expect(Object.getOwnPropertyNames(Object.prototype).filter((k) => k.includes(MARK))).toEqual([]);
      expect(({} as Record<string, unknown>)[`${MARK}d`]).toBeUndefined();
    },
    60_000,
  );

  it('a request on an unknown channel never reaches a handler', async () => {
    const { router, calls } = setup();
    const nearMiss = fc.tuple(fc.constantFrom(...CHANNEL_NAMES), fc.constantFrom<(c: string) => string>((c) => c.toUpperCase(), (c) => ` ${c}`, (c) => `${c}\u0000`, (c) => c.replace(':', '.'), (c) => `${c}s`, (c) => c.slice(0, -1))).map(([c, f]) => f(c));
    const channelName = fc.oneof(nearMiss, fc.constantFrom(...PROTO_KEYS, '', ':', 'accounts:', 'hasOwnProperty'), fc.string(), marked);
    await fc.assert(
      fc.asyncProperty(fc.oneof(channelName, junk), fc.oneof(junk, fc.constant({})), async (channel, request) => {
        fc.pre(!isChannel(channel));
        figures.requests++;
        figures.untrustedOrUnknown++;
        const result = await router.handle(good, channel as string, request);
        expectCleanRefusal(result, 'UNKNOWN_CHANNEL');
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
    expect(calls).toEqual([]);
  });

  it('a request from an untrusted sender never reaches a handler, even when it is valid', async () => {
    const { router, calls } = setup();
    const url = fc.oneof(
      fc.webUrl(),
      fc.constantFrom(`${APP}.evil/index.html`, `${APP}@evil.example/`, `app://evil.example/${APP}`, 'file:///index.html', 'about:blank', 'data:text/html,x', 'null', '', `https://mailwright/`, `app://mailwright:1/index.html`),
      marked,
    );
    // Each generated sender differs from the trusted one in at least one respect.
    const sender = fc.oneof(
      fc.record({ contentsId: fc.integer().filter((n) => n !== 7), isMainFrame: fc.boolean(), url: fc.oneof(url, fc.constant(good.url)) }),
      fc.record({ contentsId: fc.constant(7), isMainFrame: fc.constant(false), url: fc.oneof(url, fc.constant(good.url)) }),
      fc.record({ contentsId: fc.constant(7), isMainFrame: fc.constant(true), url }),
    );
    const policy = createSenderPolicy({ appOrigin: APP, contentsIds: () => [7] });
    await fc.assert(
      fc.asyncProperty(sender, fc.constantFrom(...CHANNEL_NAMES), fc.boolean(), async (s, channel, valid) => {
        fc.pre(!policy(s));
        figures.requests++;
        figures.untrustedOrUnknown++;
        const request = valid ? structuredClone(VALID[channel]) : { [MARK]: true };
        expectCleanRefusal(await router.handle(s, channel, request), 'UNTRUSTED_SENDER');
      }),
      { seed: SEED, numRuns: RUNS * 4 },
    );
    expect(calls).toEqual([]);
  });
});
