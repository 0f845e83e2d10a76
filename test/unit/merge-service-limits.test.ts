/**
 * An account's own sending limits for merges: set, kept when the wizard saves the account again,
 * removed with null, and what the merge plan follows (the account's own, else the provider's
 * published limits, else Mailwright's), spreading a merge larger than a day's allowance over days.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Account, AccountInput } from '../../shared/model';
import { fail, ok } from '../../shared/result';
import { createAccountService, type AccountService } from '../../src-main/services/accounts';
import { passwordCredential } from '../../src-main/services/credentials';
import { createDataNotices } from '../../src-main/services/data-notices';
import { silentLogger } from '../../src-main/services/logger';
import { openMergeService } from '../../src-main/services/merge/service';
import { Outbox } from '../../src-main/services/outbox';
import { createAppKeyCipher, createSecretVault, openSecretFileInFolder } from '../../src-main/services/secrets';
import { openSettingsInFolder } from '../../src-main/services/settings-store';

let dir: string;
let outbox: Outbox | undefined;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-merge-limits-'));
});
afterEach(async () => {
  await outbox?.close();
  outbox = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const gmail: AccountInput = {
  description: 'Personal',
  email: 'alice@gmail.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.gmail.com', port: 587, security: 'starttls', auth: 'none', username: '' },
  incoming: null,
  signature: '',
  identities: [],
  oauth: null,
};

function accountsIn(folder: string, onChange?: (list: Account[]) => void): AccountService {
  return createAccountService({
    settings: openSettingsInFolder(folder, '0.2.0'),
    vault: createSecretVault(openSecretFileInFolder(folder), createAppKeyCipher(folder)),
    logger: silentLogger,
    ...(onChange ? { onChange } : {}),
  });
}

describe('an account’s sending limits', () => {
  it('are saved and announced, kept when the wizard saves the account again, and removed with null', () => {
    const changes: Account[][] = [];
    const accounts = accountsIn(dir, (list) => changes.push(list));
    const saved = accounts.save({ account: gmail });
    if (!saved.ok) throw new Error(saved.error.code);
    const id = saved.value.id;
    const limits = { recipientsPerDay: 300, messagesPerMinute: 10 };
    const set = accounts.setSendingLimits(id, limits);
    expect(set).toMatchObject({ ok: true, value: { id, sendingLimits: limits } });
    expect(changes.at(-1)![0]!.sendingLimits).toEqual(limits);
    // The wizard edits the servers and the name, not the limits: saving keeps them.
    accounts.save({ id, account: { ...gmail, description: 'Home', smtp: { ...gmail.smtp, port: 465, security: 'tls' } } });
    expect(accounts.get(id)!.sendingLimits).toEqual(limits);
    // On disk: another start reads them.
    expect(accountsIn(dir).get(id)!.sendingLimits).toEqual(limits);
    expect(accounts.setSendingLimits(id, null)).toMatchObject({ ok: true });
    expect(accounts.get(id)!.sendingLimits).toBeUndefined();
    expect(accounts.setSendingLimits('8c6c2f0e-8a36-4b3c-9a55-7a3f6f1d0b11', limits)).toMatchObject({ ok: false, error: { code: 'ACCOUNT_NOT_FOUND' } });
  });

  it('the plan follows the account’s own limits, else the provider’s, and spreads a merge larger than a day over days', async () => {
    const accounts = accountsIn(dir);
    const saved = accounts.save({ account: gmail });
    if (!saved.ok) throw new Error(saved.error.code);
    const id = saved.value.id;
    outbox = await Outbox.open({
      dir: join(dir, 'outbox'),
      account: (accountId) => {
        const account = accounts.get(accountId);
        return account ? ok({ account, credentials: passwordCredential('', undefined) }) : fail('ACCOUNT_NOT_FOUND');
      },
    });
    const merge = await openMergeService({
      dataDir: dir,
      outbox,
      accounts,
      tmpDir: join(dir, 'tmp'),
      saveFile: async () => null,
      notices: createDataNotices({ dataDir: dir }),
      logger: silentLogger,
      now: () => Date.parse('2026-12-05T09:00:00.000Z'),
    });
    const rows = Array.from({ length: 600 }, (_, i) => `m${i}@example.org,Member ${i}`);
    const data = await merge.load({ kind: 'paste', text: ['Email,Name', ...rows].join('\n') });
    if (!data.ok) throw new Error(data.error.code);
    const mapping = { addressColumn: 'Email', required: [] };
    const template = { accountId: id, identityId: '', to: '{{Email}}', cc: '', subject: 'Hello {{Name}}', body: { mode: 'plain' as const, html: '', text: 'Hi {{Name}}' } };

    const provider = await merge.plan(data.value.mergeId, mapping, template);
    expect(provider).toMatchObject({ ok: true, value: { count: 600, limitsFrom: 'provider', limits: { recipientsPerDay: 500 }, provider: { name: expect.stringContaining('Gmail') } } });
    if (!provider.ok) return;
    // 500 within the first 24 hours, the rest the next day: it says when it finishes.
    expect(provider.value).toMatchObject({ days: 2, firstDay: 500, startsAt: '2026-12-05T09:00:00.000Z', askUnsubscribe: true, tested: false });
    expect(Date.parse(provider.value.finishesAt)).toBeGreaterThanOrEqual(Date.parse('2026-12-06T09:00:00.000Z'));

    accounts.setSendingLimits(id, { recipientsPerDay: 1000, messagesPerMinute: 600 });
    const own = await merge.plan(data.value.mergeId, mapping, template);
    expect(own).toMatchObject({ ok: true, value: { limitsFrom: 'account', limits: { recipientsPerDay: 1000, messagesPerMinute: 600 }, days: 1, firstDay: 600 } });
    if (!own.ok) return;
    // 600 messages at 600 a minute: the last goes just under a minute after the first.
    expect(Date.parse(own.value.finishesAt) - Date.parse(own.value.startsAt)).toBe(599 * 100);
  });
});
