import { describe, expect, it } from 'vitest';
import { incomingGuessPlan, smtpGuessPlan } from '../../src-main/services/discovery/guess';
import { orderSrvRecords, srvCandidates, SRV_SERVICES } from '../../src-main/services/discovery/srv';

describe('SRV records (RFC 6186 / RFC 8314)', () => {
  it('orders by priority, then by weight (heaviest first), keeping the answer order for ties', () => {
    const selection = orderSrvRecords([
      { name: 'c.example.org', port: 465, priority: 20, weight: 100 },
      { name: 'b.example.org.', port: 465, priority: 10, weight: 5 },
      { name: 'A.example.org', port: 465, priority: 10, weight: 60 },
      { name: 'd.example.org', port: 465, priority: 10, weight: 5 },
    ]);
    expect(selection.kind === 'servers' && selection.records.map((r) => r.name)).toEqual([
      'a.example.org',
      'b.example.org',
      'd.example.org',
      'c.example.org',
    ]);
  });

  it('treats a lone "." target as "service not offered"', () => {
    // Node reports the root name "." as an empty string.
    expect(orderSrvRecords([{ name: '', port: 0, priority: 0, weight: 0 }])).toEqual({ kind: 'not-offered' });
    expect(orderSrvRecords([{ name: '.', port: 0, priority: 0, weight: 0 }])).toEqual({ kind: 'not-offered' });
    expect(orderSrvRecords([])).toEqual({ kind: 'none' });
    expect(orderSrvRecords([{ name: 'bad host!', port: 465, priority: 0, weight: 0 }])).toEqual({ kind: 'none' });
  });

  it('maps each service to protocol and security, with the full address as username', () => {
    expect(SRV_SERVICES.map((s) => [s.label, s.protocol, s.security])).toEqual([
      ['_submissions._tcp', 'smtp', 'tls'],
      ['_submission._tcp', 'smtp', 'starttls'],
      ['_imaps._tcp', 'imap', 'tls'],
      ['_imap._tcp', 'imap', 'starttls'],
      ['_pop3s._tcp', 'pop3', 'tls'],
      ['_pop3._tcp', 'pop3', 'starttls'],
    ]);
    expect(srvCandidates(SRV_SERVICES[1]!, [{ name: 'smtp.example.org', port: 587, priority: 0, weight: 0 }], 'a@example.org')).toEqual([
      { protocol: 'smtp', host: 'smtp.example.org', port: 587, security: 'starttls', auth: 'password', username: 'a@example.org' },
    ]);
  });
});

describe('guess ranking', () => {
  it('ranks SMTP guesses by port (465 TLS > 587 STARTTLS > 25 STARTTLS), then host (smtp. > mail. > domain)', () => {
    expect(smtpGuessPlan('example.org', { tls: 465, starttls: 587, plain: 25 }).map((t) => `${t.host}:${t.port}/${t.security}`)).toEqual([
      'smtp.example.org:465/tls',
      'mail.example.org:465/tls',
      'example.org:465/tls',
      'smtp.example.org:587/starttls',
      'mail.example.org:587/starttls',
      'example.org:587/starttls',
      'smtp.example.org:25/starttls',
      'mail.example.org:25/starttls',
      'example.org:25/starttls',
    ]);
  });

  it('never plans a clear-text guess', () => {
    const all = [
      ...smtpGuessPlan('example.org', { tls: 465, starttls: 587, plain: 25 }),
      ...incomingGuessPlan('example.org', { imaps: 993, imap: 143, pop3s: 995, pop3: 110 }),
    ];
    expect(all.every((t) => t.security === 'tls' || t.security === 'starttls')).toBe(true);
  });

  it('ranks incoming guesses: IMAP before POP3, TLS before STARTTLS, then host', () => {
    expect(incomingGuessPlan('example.org', { imaps: 993, imap: 143, pop3s: 995, pop3: 110 }).map((t) => `${t.protocol} ${t.host}:${t.port}`)).toEqual([
      'imap imap.example.org:993',
      'imap mail.example.org:993',
      'imap imap.example.org:143',
      'imap mail.example.org:143',
      'pop3 pop.example.org:995',
      'pop3 pop3.example.org:995',
      'pop3 mail.example.org:995',
      'pop3 pop.example.org:110',
      'pop3 pop3.example.org:110',
      'pop3 mail.example.org:110',
    ]);
  });
});
