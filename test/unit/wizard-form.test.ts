import { describe, expect, it } from 'vitest';
import { applyEdit, emptyForm, toAccountInput } from '../../src-renderer/features/wizard/form-state';

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
      },
    });
  });
});
