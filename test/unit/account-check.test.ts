/** An account saved after a failed check keeps what failed, until a check of the same settings passes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AccountInput } from '../../shared/model';
import { appError } from '../../shared/result';
import { checkedSettingsKey, checkOf, type Stage } from '../../shared/verify';
import { createAccountService } from '../../src-main/services/accounts';
import { silentLogger } from '../../src-main/services/logger';
import { createAppKeyCipher, createSecretVault, openSecretFileInFolder } from '../../src-main/services/secrets';
import { openSettingsInFolder } from '../../src-main/services/settings-store';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-check-unit-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const AT = '2026-12-04T20:00:00.000Z';
const input: AccountInput = {
  description: 'Work',
  email: 'alice@example.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'none', username: '' },
  incoming: null,
  signature: '',
  identities: [],
  oauth: null,
};
const stage = (protocol: Stage['protocol'], name: Stage['name'], status: Stage['status'], code?: 'AUTH_FAILED' | 'CONNECTION_REFUSED'): Stage => ({
  protocol,
  name,
  status,
  ...(code ? { error: appError(code) } : {}),
});

describe('what a check found', () => {
  it('is the first failed stage, the outgoing server first even when the incoming one failed earlier', () => {
    const report = { ok: false, stages: [stage('imap', 'connect', 'failed', 'CONNECTION_REFUSED'), stage('smtp', 'connect', 'passed'), stage('smtp', 'auth', 'failed', 'AUTH_FAILED')] };
    expect(checkOf(report, AT)).toEqual({ at: AT, ok: false, failure: { protocol: 'smtp', stage: 'auth', error: appError('AUTH_FAILED') } });
    expect(checkOf({ ok: true, stages: [stage('smtp', 'auth', 'passed')] }, AT)).toEqual({ at: AT, ok: true });
  });

  it('belongs to the servers checked, not to the name or the signature', () => {
    expect(checkedSettingsKey(input)).toBe(checkedSettingsKey({ ...input, smtp: { ...input.smtp, host: 'SMTP.example.com ' } }));
    expect(checkedSettingsKey(input)).not.toBe(checkedSettingsKey({ ...input, smtp: { ...input.smtp, port: 465 } }));
  });
});

describe('the account keeps its last check', () => {
  it('saved after a failed check: the failure is kept through a rename, dropped when the servers change, replaced by a passing check', () => {
    const accounts = createAccountService({ settings: openSettingsInFolder(dir, '0.2.0'), vault: createSecretVault(openSecretFileInFolder(dir), createAppKeyCipher(dir)), logger: silentLogger });
    const failed = checkOf({ ok: false, stages: [stage('smtp', 'auth', 'failed', 'AUTH_FAILED')] }, AT);
    const saved = accounts.save({ account: input, check: failed });
    if (!saved.ok) throw new Error(saved.error.code);
    expect(accounts.list()[0]!.lastCheck).toEqual(failed);
    accounts.save({ id: saved.value.id, account: { ...input, description: 'Office' } });
    expect(accounts.list()[0]!.lastCheck).toEqual(failed);
    // A check of other settings than the saved ones is not recorded against them.
    accounts.recordCheck(saved.value.id, checkedSettingsKey({ ...input, smtp: { ...input.smtp, port: 465 } }), { at: AT, ok: true });
    expect(accounts.list()[0]!.lastCheck).toEqual(failed);
    accounts.recordCheck(saved.value.id, checkedSettingsKey(input), { at: AT, ok: true });
    expect(accounts.list()[0]!.lastCheck).toEqual({ at: AT, ok: true });
    accounts.save({ id: saved.value.id, account: { ...input, smtp: { ...input.smtp, port: 465 } } });
    expect(accounts.list()[0]!.lastCheck).toBeUndefined();
  });
});
