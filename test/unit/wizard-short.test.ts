/** The short wizard's decisions: a late lookup never overwrites what the person typed; a failed check names its field. */
import { describe, expect, it } from 'vitest';
import type { DiscoveryResult } from '../../shared/discovery';
import type { VerifyReport } from '../../shared/verify';
import { applyDiscovery, applyEdit, checkProblems, emptyForm, foundSettings } from '../../src-renderer/features/wizard/form-state';

const found: DiscoveryResult = {
  source: 'autoconfig',
  sourceDetail: 'https://autoconfig.example.com/mail/config-v1.1.xml',
  smtp: [{ protocol: 'smtp', host: 'smtp.example.com', port: 587, security: 'starttls', auth: 'password', username: 'alice@example.com' }],
  incoming: [{ protocol: 'imap', host: 'imap.example.com', port: 993, security: 'tls', auth: 'password', username: 'alice@example.com' }],
  attempts: [],
};

const failed = (stages: Array<Pick<VerifyReport['stages'][number], 'protocol' | 'name'>>): VerifyReport => ({
  ok: false,
  stages: stages.map((s) => ({ ...s, status: 'failed' as const, error: { code: 'AUTH_FAILED', message: 'refused' } })),
  transcript: [],
  certificates: {},
});

describe('a lookup that answers late', () => {
  it('fills the fields the person left alone and keeps every field they typed', () => {
    let form = applyEdit(emptyForm(), { field: 'email', value: 'alice@example.com' });
    // Meanwhile the person went on to the form and typed their own outgoing server and port.
    form = applyEdit(form, { field: 'host', value: 'mail.alice.test' });
    form = applyEdit(form, { field: 'port', value: '2525' });
    form = applyEdit(form, { field: 'security', value: 'none' });
    form = applyEdit(form, { field: 'inUsername', value: 'alice' });
    const next = applyDiscovery(form, found);
    expect(next).toMatchObject({ host: 'mail.alice.test', port: '2525', security: 'none', inUsername: 'alice' });
    // What they did not touch comes from the lookup.
    expect(next).toMatchObject({ username: 'alice@example.com', incomingEnabled: true, inHost: 'imap.example.com', inPort: '993', inSecurity: 'tls' });
    // And their port stays theirs when the security changes later.
    expect(applyEdit(next, { field: 'security', value: 'tls' }).port).toBe('2525');
  });

  it('keeps a trusted certificate with the host the person typed, and an unchecked incoming server unchecked', () => {
    let form = applyEdit(emptyForm(), { field: 'host', value: 'mail.alice.test' });
    form = applyEdit(form, { field: 'smtpPin', value: { sha256: 'AA:BB', pem: 'pem' } });
    form = applyEdit(form, { field: 'incomingEnabled', value: false });
    const next = applyDiscovery(form, found);
    expect(next.smtpPin).toEqual({ sha256: 'AA:BB', pem: 'pem' });
    expect(next.incomingEnabled).toBe(false);
  });

  it('with nothing typed, takes everything found', () => {
    const next = applyDiscovery(applyEdit(emptyForm(), { field: 'email', value: 'alice@example.com' }), found);
    expect(next).toMatchObject({ host: 'smtp.example.com', port: '587', security: 'starttls', inHost: 'imap.example.com' });
  });
});

describe('found settings shown as a summary', () => {
  it('only when a source named the servers; a guess or nothing shows the form', () => {
    expect(foundSettings(found)).toBe(true);
    expect(foundSettings({ ...found, source: 'guess' })).toBe(false);
    expect(foundSettings({ ...found, source: null, smtp: [], incoming: [] })).toBe(false);
  });
});

describe('a failed check points at its field', () => {
  const form = { ...emptyForm(), incomingEnabled: true };
  it('a refused password marks the password; no answer marks the server name', () => {
    expect(Object.keys(checkProblems(failed([{ protocol: 'smtp', name: 'auth' }]), form))).toEqual(['password']);
    expect(Object.keys(checkProblems(failed([{ protocol: 'smtp', name: 'connect' }]), form))).toEqual(['smtp.host']);
    expect(Object.keys(checkProblems(failed([{ protocol: 'imap', name: 'connect' }]), form))).toEqual(['incoming.host']);
  });
  it('an incoming refusal marks the field that holds that password', () => {
    expect(Object.keys(checkProblems(failed([{ protocol: 'imap', name: 'login' }]), form))).toEqual(['password']);
    expect(Object.keys(checkProblems(failed([{ protocol: 'imap', name: 'login' }]), { ...form, inSamePassword: false }))).toEqual(['incomingPassword']);
  });
  it('a certificate problem has no field: the check below shows it', () => {
    expect(checkProblems(failed([{ protocol: 'smtp', name: 'tls' }]), form)).toEqual({});
  });
});
