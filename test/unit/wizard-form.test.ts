import { describe, expect, it } from 'vitest';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors';
import { enhancedStatusText, explain } from '../../shared/error-text';
import { applyDiscovery, applyEdit, emptyForm, toAccountInput, typedPasswords } from '../../src-renderer/features/wizard/form-state';

describe('wizard form', () => {
  it('moves the port with the security until the person types a port', () => {
    let form = emptyForm();
    expect(form.port).toBe('465');
    form = applyEdit(form, { field: 'security', value: 'starttls' });
    expect(form.port).toBe('587');
    form = applyEdit(form, { field: 'security', value: 'none' });
    expect(form.port).toBe('25');
    form = applyEdit(form, { field: 'port', value: '2525' });
    form = applyEdit(form, { field: 'security', value: 'tls' });
    expect(form.port).toBe('2525');
    form = applyEdit(form, { field: 'port', value: '' });
    form = applyEdit(form, { field: 'security', value: 'starttls' });
    expect(form.port).toBe('587');
  });

  it('fills username and description from the email address until they are typed', () => {
    let form = applyEdit(emptyForm(), { field: 'email', value: 'alice@example.com' });
    expect(form).toMatchObject({ username: 'alice@example.com', description: 'alice@example.com' });
    form = applyEdit(form, { field: 'username', value: 'alice' });
    form = applyEdit(form, { field: 'email', value: 'alice@example.org' });
    expect(form).toMatchObject({ username: 'alice', description: 'alice@example.org' });
  });

  it('explains what is wrong with each field in words', () => {
    const form = { ...emptyForm(), email: 'alice', host: 'smtp://mail.example.com', port: '99999' };
    const result = toAccountInput(form);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.email).toMatch(/email address like/);
    expect(result.errors['smtp.host']).toMatch(/without "smtp:\/\/"/);
    expect(result.errors['smtp.port']).toMatch(/1 to 65535/);
    expect(result.errors.description).toBe('Required.');
  });

  it('produces the contract input for a complete form', () => {
    let form = emptyForm();
    for (const [field, value] of [['email', 'alice@example.com'], ['displayName', 'Alice'], ['host', 'smtp.example.com']] as const) {
      form = applyEdit(form, { field, value });
    }
    expect(toAccountInput(form)).toEqual({
      ok: true,
      value: {
        description: 'alice@example.com',
        email: 'alice@example.com',
        displayName: 'Alice',
        smtp: { host: 'smtp.example.com', port: 465, security: 'tls', auth: 'password', username: 'alice@example.com' },
        incoming: null,
        signature: '',
        identities: [], oauth: null,
      },
    });
  });

  it('fills the form from discovery, preferring password sign-in, and guesses when nothing is found', () => {
    const base = applyEdit(emptyForm(), { field: 'email', value: 'alice@example.com' });
    const found = applyDiscovery(base, {
      source: 'srv',
      sourceDetail: '_submission._tcp.example.com',
      smtp: [
        { protocol: 'smtp', host: 'oauth.example.com', port: 465, security: 'tls', auth: 'oauth2', username: 'alice@example.com' },
        { protocol: 'smtp', host: 'mail.example.com', port: 587, security: 'starttls', auth: 'password', username: 'alice' },
      ],
      incoming: [{ protocol: 'pop3', host: 'pop.example.com', port: 995, security: 'tls', auth: 'password', username: 'alice' }],
      attempts: [],
    });
    expect(found).toMatchObject({ host: 'mail.example.com', port: '587', security: 'starttls', username: 'alice', incomingEnabled: true, inProtocol: 'pop3', inHost: 'pop.example.com', inPort: '995' });
    const none = applyDiscovery(base, { source: null, sourceDetail: '', smtp: [], incoming: [], attempts: [] });
    expect(none).toMatchObject({ host: 'smtp.example.com', port: '465', security: 'tls', incomingEnabled: false });
  });

  it('forgets a pinned certificate when the server name changes', () => {
    const pin = { sha256: 'AA:'.repeat(31) + 'AA', pem: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----' };
    let form = applyEdit({ ...emptyForm(), host: 'smtp.example.com' }, { field: 'smtpPin', value: pin });
    expect(form.smtpPin).toEqual(pin);
    form = applyEdit(form, { field: 'port', value: '2525' });
    expect(form.smtpPin).toEqual(pin);
    form = applyEdit(form, { field: 'host', value: 'smtp.other.example' });
    expect(form.smtpPin).toBeNull();
  });

  it('sends only typed passwords, and the outgoing one for incoming when they are the same', () => {
    const form = { ...emptyForm(), password: 'pw', incomingEnabled: true };
    expect(typedPasswords(form)).toEqual({ password: 'pw', incomingPassword: 'pw' });
    expect(typedPasswords({ ...form, inSamePassword: false, inPassword: 'other' })).toEqual({ password: 'pw', incomingPassword: 'other' });
    expect(typedPasswords({ ...form, password: '', incomingEnabled: false })).toEqual({});
  });

  it('adds, edits and removes other From addresses, and checks them with the shared schema', () => {
    let form = applyEdit({ ...emptyForm(), email: 'alice@example.com', displayName: 'Alice', description: 'Work', host: 'smtp.example.com', username: 'alice' }, {
      field: 'addIdentity',
      id: crypto.randomUUID(),
    });
    expect(form.identities).toHaveLength(1);
    expect(form.identities[0]!.name).toBe('Alice');
    form = applyEdit(form, { field: 'identity', index: 0, value: { email: 'not an address' } });
    const bad = toAccountInput(form);
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors['identities.0.email']).toBeTruthy();
    form = applyEdit(form, { field: 'identity', index: 0, value: { email: 'sales@example.com', signature: 'Sales' } });
    const good = toAccountInput(form);
    expect(good.ok && good.value.identities).toEqual([{ id: form.identities[0]!.id, name: 'Alice', email: 'sales@example.com', signature: 'Sales' }]);
    expect(applyEdit(form, { field: 'removeIdentity', index: 0 }).identities).toEqual([]);
  });

  it('moves the incoming port with protocol and security until typed', () => {
    let form = applyEdit(emptyForm(), { field: 'inProtocol', value: 'pop3' });
    expect(form.inPort).toBe('995');
    form = applyEdit(form, { field: 'inSecurity', value: 'starttls' });
    expect(form.inPort).toBe('110');
    form = applyEdit(form, { field: 'inProtocol', value: 'imap' });
    expect(form.inPort).toBe('143');
  });
});

describe('reply explanations', () => {
  it('explains RFC 3463 enhanced status codes in words', () => {
    expect(enhancedStatusText('5.1.1')).toBe('Reason 5.1.1 (permanent): the mailbox does not exist.');
    expect(enhancedStatusText('4.2.2')).toBe('Reason 4.2.2 (temporary): the mailbox is full.');
    expect(enhancedStatusText('5.7.139')).toMatch(/SMTP sign-in is switched off, for this mailbox or for the whole organisation/);
    expect(enhancedStatusText('5.6.99')).toMatch(/message content/);
    expect(enhancedStatusText(undefined)).toBeNull();
    expect(enhancedStatusText('9.9.9')).toBeNull();
  });

  it('has words for every error code', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      const { title, advice } = explain({ code, message: '' });
      expect(title.length, code).toBeGreaterThan(5);
      expect(advice.length, code).toBeGreaterThan(5);
      expect(`${title} ${advice}`, code).not.toMatch(/\b[A-Z]{2,}_[A-Z_]+\b|nodemailer|imapflow|undefined/);
    }
  });
});
