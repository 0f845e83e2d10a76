/**
 * The wizard's side of "a stored password goes only where it was saved for": editing an account
 * keeps its saved passwords only while the form names the same servers; a changed host, port,
 * security or username makes the password needed again, and the request is not sent without it.
 */
import { describe, expect, it } from 'vitest';
import type { Account } from '../../shared/model';
import { applyEdit, formFromAccount, savedPasswordsApply, type WizardEdit } from '../../src-renderer/features/wizard/form-state';

const account: Account = {
  id: '6f1c2b5e-1111-4aaa-8bbb-000000000001',
  description: 'Work',
  email: 'alice@example.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'password', username: 'alice@example.com' },
  incoming: { protocol: 'imap', auth: 'password', host: 'imap.example.com', port: 993, security: 'tls', username: 'alice@example.com', saveSentCopy: true, leaveOnServerDays: 14 },
  signature: '',
  identities: [], oauth: null,
  hasPassword: true,
  hasIncomingPassword: true,
  signedIn: false,
  createdAt: '',
  updatedAt: '',
};

describe('saved passwords in the account wizard', () => {
  it('apply while the servers are the ones they were saved for, whatever else is edited', () => {
    let form = formFromAccount(account);
    expect(savedPasswordsApply(form, account)).toEqual({ smtp: true, incoming: true });
    form = applyEdit(form, { field: 'description', value: 'Home' });
    form = applyEdit(form, { field: 'host', value: ' SMTP.example.com' }); // same host, other spelling
    expect(savedPasswordsApply(form, account)).toEqual({ smtp: true, incoming: true });
    expect(savedPasswordsApply(form, undefined)).toEqual({ smtp: false, incoming: false });
  });

  const smtpChanges: WizardEdit[] = [
    { field: 'host', value: 'smtp.other.example' },
    { field: 'port', value: '2525' },
    { field: 'security', value: 'none' },
    { field: 'username', value: 'bob@example.com' },
  ];
  for (const change of smtpChanges) {
    it(`outgoing ${change.field} changed: the password is needed again`, () => {
      const form = applyEdit(formFromAccount(account), change);
      expect(savedPasswordsApply(form, account)).toEqual({ smtp: false, incoming: true });
    });
  }

  const incomingChanges: WizardEdit[] = [
    { field: 'inHost', value: 'imap.other.example' },
    { field: 'inPort', value: '143' },
    { field: 'inSecurity', value: 'starttls' },
    { field: 'inUsername', value: 'bob' },
    { field: 'inProtocol', value: 'pop3' },
  ];
  for (const change of incomingChanges) {
    it(`incoming ${change.field} changed: the incoming password is needed again`, () => {
      const form = applyEdit(formFromAccount(account), change);
      expect(savedPasswordsApply(form, account)).toEqual({ smtp: true, incoming: false });
    });
  }

  it('no saved password: nothing applies', () => {
    const form = formFromAccount({ ...account, hasPassword: false, hasIncomingPassword: false });
    expect(savedPasswordsApply(form, { ...account, hasPassword: false, hasIncomingPassword: false })).toEqual({ smtp: false, incoming: false });
  });
});
