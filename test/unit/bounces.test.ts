import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  linkReport,
  parseDeliveryReport,
  type DeliveryReport,
  type RecipientReport,
  type ReportKind,
  type SentMessageRef,
} from '../../src-main/services/bounces';

const FIXTURES = join(__dirname, '../fixtures/bounces');
const load = (name: string) => readFileSync(join(FIXTURES, name));

async function parse(name: string): Promise<DeliveryReport> {
  const report = await parseDeliveryReport(load(name));
  expect(report, name).not.toBeNull();
  return report!;
}

interface Expected {
  file: string;
  kind: ReportKind;
  envelopeId: string | null;
  originalMessageId: string | null;
  originalSubject?: string;
  arrivalDate?: string;
  reportingMta?: string;
  /** qmail-send adds no Message-ID to its bounces. */
  noReportMessageId?: true;
  recipients: Array<Omit<Partial<RecipientReport>, 'diagnostic'> & { diagnostic: string | null }>;
}

// diagnostic: a fragment the diagnostic must contain (null: the report has none).
const CORPUS: Expected[] = [
  {
    file: 'postfix-real.eml',
    kind: 'postfix',
    envelopeId: null,
    originalMessageId: '<731a5e8c-c8d6-49e6-afc6-d320de7cfb12@mailwright.test>',
    originalSubject: 'Hello',
    arrivalDate: '2026-11-22T09:14:49.000Z',
    reportingMta: 'mail.mailwright.test',
    recipients: [
      {
        recipient: 'nobody@bounce.mailwright.test',
        originalRecipient: 'nobody@bounce.mailwright.test',
        action: 'failed',
        status: '5.1.1',
        // Folded over two lines in the report: must come back as one.
        diagnostic: '550 5.1.1 <nobody@bounce.mailwright.test>: The email account that you tried to reach does not exist',
      },
    ],
  },
  {
    file: 'postfix-failed.eml',
    kind: 'postfix',
    envelopeId: null,
    originalMessageId: '<0f6c2a1e-5b7d-4c1a-9d0e-3f2b8a7c6d51@example.org>',
    originalSubject: 'Quarterly figures – draft',
    arrivalDate: '2026-03-10T13:02:29.000Z',
    recipients: [
      {
        recipient: 'bob.nobody@example.net',
        action: 'failed',
        status: '5.1.1',
        remoteMta: 'mx1.example.net',
        diagnostic: 'Recipient address rejected: User unknown in virtual mailbox table',
      },
    ],
  },
  {
    file: 'postfix-delayed.eml',
    kind: 'postfix',
    envelopeId: null,
    originalMessageId: '<7d1e9b40-2c3a-4f5e-8a6b-1c0d9e8f7a62@example.org>',
    originalSubject: 'Meeting on Thursday',
    recipients: [{ recipient: 'carol@slow.example.com', action: 'delayed', status: '4.4.1', diagnostic: 'Connection timed out', remoteMta: null }],
  },
  {
    file: 'postfix-headers-envid.eml',
    kind: 'postfix',
    envelopeId: 'mw+job=8f2c1d', // "mw+2Bjob+3D8f2c1d" in xtext
    originalMessageId: '<c3b2a190-8e7d-4f6c-b5a4-93827160f5e4@example.org>',
    originalSubject: 'Price request',
    recipients: [
      {
        recipient: 'd.jones@corp.example.com',
        originalRecipient: 'Sales@corp.example.com',
        action: 'failed',
        status: '5.2.1',
        diagnostic: 'Mailbox disabled',
      },
    ],
  },
  {
    file: 'postfix-success.eml',
    kind: 'postfix',
    envelopeId: '5d0e3c4b-success',
    originalMessageId: '<a9e8d7c6-b5a4-4321-9f8e-7d6c5b4a3921@example.org>',
    recipients: [{ recipient: 'erin@example.org', action: 'delivered', status: '2.0.0', diagnostic: 'delivered via dovecot service' }],
  },
  {
    file: 'postfix-text.eml',
    kind: 'postfix',
    envelopeId: null,
    originalMessageId: null,
    reportingMta: 'relay.example.org',
    arrivalDate: '2026-03-24T18:45:33.000Z',
    recipients: [
      { recipient: 'rita@partner.example', action: 'failed', status: '5.7.1', remoteMta: 'mx2.partner.example', diagnostic: '550 5.7.1 <rita@partner.example>: Recipient address rejected: Access denied' },
      // No enhanced code: derived from the SMTP reply.
      { recipient: 'steve@partner.example', action: 'failed', status: '5.0.0', diagnostic: '552 Mailbox full' },
    ],
  },
  {
    file: 'exim-text.eml',
    kind: 'exim',
    envelopeId: null,
    originalMessageId: '<5e4d3c2b-1a09-4f8e-b7d6-c5b4a3928170@example.org>',
    originalSubject: 'Invoice 2026-114',
    recipients: [
      {
        recipient: 'frank@old-domain.example',
        action: 'failed',
        status: '5.1.1',
        remoteMta: 'mx.old-domain.example',
        diagnostic: '550 5.1.1 <frank@old-domain.example>: Recipient address rejected: User unknown in local recipient table',
      },
    ],
  },
  {
    file: 'exim-delayed.eml',
    kind: 'exim',
    envelopeId: null,
    // No copy in a delay warning: the id comes from References.
    originalMessageId: '<a1b2c3d4-0000-4e5f-9a8b-7c6d5e4f3a21@example.org>',
    originalSubject: 'Site visit next week',
    recipients: [{ recipient: 'grace@greylist.example', action: 'delayed', status: '4.7.1', remoteMta: 'mx.greylist.example', diagnostic: '451 4.7.1 Service unavailable' }],
  },
  {
    file: 'exim-report.eml',
    kind: 'exim',
    envelopeId: 'mw-job-77',
    originalMessageId: '<b7a6c5d4-e3f2-4a1b-8c9d-0e1f2a3b4c5d@example.org>',
    // Exim's Status field says 5.0.0 although the reply had 5.2.1: the field wins.
    recipients: [{ recipient: 'henry@closed.example', action: 'failed', status: '5.0.0', remoteMta: 'mx.closed.example', diagnostic: '550 5.2.1 Mailbox unavailable: account closed' }],
  },
  {
    file: 'exchange-365.eml',
    kind: 'exchange',
    envelopeId: null,
    originalMessageId: '<e2d4f6a8-1357-49bd-8ace-0f2e4d6c8b1a@Contoso.Example>',
    originalSubject: 'Budget 2026',
    reportingMta: 'AM0PR01MB1234.eurprd01.prod.exchangelabs.com',
    recipients: [
      {
        recipient: 'ivan@fabrikam.example',
        action: 'failed',
        status: '5.1.10',
        diagnostic: '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient ivan@fabrikam.example not found by SMTP address lookup',
      },
    ],
  },
  {
    file: 'exchange-legacy.eml',
    kind: 'exchange',
    envelopeId: null,
    originalMessageId: '<4b3a2c1d-0e9f-48a7-b6c5-d4e3f2a1b0c9@contoso.example>',
    originalSubject: 'Lunch on Friday',
    reportingMta: 'EXCH01.contoso.local',
    recipients: [
      { recipient: 'judy@fabrikam.example', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found' },
      { recipient: 'ken@northwind.example', action: 'failed', status: '5.1.1', diagnostic: '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found' },
    ],
  },
  {
    file: 'gmail-report.eml',
    kind: 'gmail',
    envelopeId: null,
    originalMessageId: '<CAF3x9wK2p5Lq7r8s9t0u1v2w3x4y5z6A7B8C9D0E1F2G3H@mail.gmail.com>',
    originalSubject: 'Grüße aus München',
    arrivalDate: '2026-03-18T09:14:50.000Z',
    recipients: [
      {
        recipient: 'lena@shop.example',
        action: 'failed',
        status: '5.1.1',
        remoteMta: 'mx.shop.example',
        diagnostic: 'User unknown in virtual mailbox table',
      },
    ],
  },
  {
    file: 'gmail-text.eml',
    kind: 'gmail',
    envelopeId: null,
    originalMessageId: '<CAF3x9wL7q1Rr2s3t4u5v6w7x8y9z0A1B2C3D4E5F6G7H8J@mail.gmail.com>',
    originalSubject: 'Tickets for Saturday',
    recipients: [{ recipient: 'mike@busy.example', action: 'delayed', status: '4.2.2', diagnostic: '452 4.2.2 The email account that you tried to reach is over quota' }],
  },
  {
    file: 'qmail.eml',
    kind: 'qmail',
    noReportMessageId: true,
    envelopeId: null,
    originalMessageId: '<9a8b7c6d-5e4f-4321-a0b9-c8d7e6f5a4b3@example.org>',
    originalSubject: 'Club newsletter',
    reportingMta: 'mx.legacy-isp.example',
    recipients: [
      { recipient: 'nina@remote.example', action: 'failed', status: '5.1.1', remoteMta: '192.0.2.61', diagnostic: '550 5.1.1 <nina@remote.example>... User unknown' },
      // qmail's own "(#5.1.1)" when no remote server was involved.
      { recipient: 'oscar@legacy-isp.example', action: 'failed', status: '5.1.1', diagnostic: 'Sorry, no mailbox here by that name.' },
    ],
  },
  {
    file: 'sendmail.eml',
    kind: 'sendmail',
    envelopeId: null,
    originalMessageId: '<1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f@example.org>',
    originalSubject: 'Seminar slides',
    recipients: [
      { recipient: 'paul@physics.university.example', action: 'failed', status: '5.1.1', remoteMta: 'mail.physics.university.example', diagnostic: 'User unknown' },
      { recipient: 'quinn@chem.university.example', action: 'delayed', status: '4.3.0', diagnostic: '451 4.3.0 Mailbox temporarily unavailable' },
    ],
  },
  {
    file: 'yahoo.eml',
    kind: 'dsn',
    envelopeId: null,
    originalMessageId: '<1234567890.1122334.1774182640000@mail.yahoo.com>',
    originalSubject: 'Garage sale',
    recipients: [{ recipient: 'sam@blocked.example', action: 'failed', status: '5.0.0', diagnostic: '554 5.7.9 Message not accepted for policy reasons.' }],
  },
  {
    file: 'global-utf8.eml',
    kind: 'postfix',
    envelopeId: 'mw-0042',
    originalMessageId: '<6e5d4c3b-2a19-4f8e-9d7c-6b5a49382716@example.org>',
    originalSubject: 'Bücherliste für März',
    recipients: [
      {
        recipient: 'josé@bücher.example',
        // Written as utf-8-addr-xtext ("jos\x{E9}@b\x{FC}cher.example") in the report.
        originalRecipient: 'josé@bücher.example',
        action: 'failed',
        status: '5.1.1',
        remoteMta: 'mx.xn--bcher-kva.example',
        diagnostic: '<josé@bücher.example>: Mailbox unavailable',
      },
    ],
  },
];

const NEGATIVES = ['negative-ooo.eml', 'negative-quote.eml', 'negative-mdn-list.eml'];

describe('parseDeliveryReport: corpus', () => {
  it('covers every file in the corpus', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.eml'));
    expect(files.sort()).toEqual([...CORPUS.map((c) => c.file), ...NEGATIVES].sort());
  });

  it.each(CORPUS)('$file', async (c) => {
    const r = await parse(c.file);
    expect(r.kind).toBe(c.kind);
    expect(r.envelopeId).toBe(c.envelopeId);
    expect(r.originalMessageId).toBe(c.originalMessageId);
    if (c.originalSubject !== undefined) expect(r.originalSubject).toBe(c.originalSubject);
    if (c.arrivalDate !== undefined) expect(r.arrivalDate).toBe(c.arrivalDate);
    if (c.reportingMta !== undefined) expect(r.reportingMta).toBe(c.reportingMta);
    if (c.noReportMessageId) expect(r.reportMessageId).toBeNull();
    else expect(r.reportMessageId).toMatch(/^<[^<>]+@[^<>]+>$/);
    expect(r.recipients).toHaveLength(c.recipients.length);
    c.recipients.forEach(({ diagnostic, ...fields }, i) => {
      const got = r.recipients[i]!;
      expect(got).toMatchObject(fields);
      if (diagnostic === null) expect(got.diagnostic).toBeNull();
      else expect(got.diagnostic).toContain(diagnostic);
      // Unfolded, without the "smtp;" type.
      expect(got.diagnostic ?? '').not.toMatch(/\n|^(smtp|x-unix|x-postfix);/i);
    });
  });

  it.each(NEGATIVES)('%s is not a delivery report', async (file) => {
    expect(await parseDeliveryReport(load(file))).toBeNull();
  });

  it('falls back to X-Failed-Recipients when the text has no form we know', async () => {
    const source = [
      'Return-Path: <>',
      'From: Mail Delivery System <MAILER-DAEMON@gw.example>',
      'To: alice@example.org',
      'Subject: Mail delivery failed',
      'X-Failed-Recipients: wes@one.example, Xia@Two.Example',
      'Date: Mon, 30 Mar 2026 10:00:00 +0000',
      'Message-ID: <gw-1@gw.example>',
      '',
      'Delivery failed permanently: 550 5.1.1 mailbox unavailable',
      '',
    ].join('\r\n');
    const r = await parseDeliveryReport(Buffer.from(source));
    expect(r?.kind).toBe('other');
    expect(r?.recipients.map((x) => [x.recipient, x.action, x.status])).toEqual([
      ['wes@one.example', 'failed', '5.1.1'],
      ['Xia@two.example', 'failed', '5.1.1'],
    ]);
  });

  it('reads LF and CRLF line endings alike', async () => {
    for (const file of ['postfix-failed.eml', 'exim-text.eml', 'qmail.eml', 'exchange-legacy.eml']) {
      const lf = load(file).toString('latin1').replace(/\r\n/g, '\n');
      const crlf = lf.replace(/\n/g, '\r\n');
      const fromLf = await parseDeliveryReport(Buffer.from(lf, 'latin1'));
      expect(fromLf, file).not.toBeNull();
      expect(await parseDeliveryReport(Buffer.from(crlf, 'latin1')), file).toEqual(fromLf);
    }
    for (const file of ['exchange-365.eml', 'gmail-report.eml']) {
      const crlf = load(file);
      expect(crlf.includes('\r\n')).toBe(true);
      const lf = Buffer.from(crlf.toString('latin1').replace(/\r\n/g, '\n'), 'latin1');
      expect(await parseDeliveryReport(lf), file).toEqual(await parseDeliveryReport(crlf));
    }
  });

  it('finds the report when the returned message is larger than what is scanned', async () => {
    const source = load('postfix-real.eml').toString('latin1');
    const big = 'QUJD'.repeat(900_000).replace(/(.{76})/g, '$1\r\n'); // about 3.6 MB of base64
    const padded = source.replace('Hello Bob\r\n', `Hello Bob\r\n${big}\r\n`);
    expect(padded.length).toBeGreaterThan(3_000_000);
    const r = await parseDeliveryReport(Buffer.from(padded, 'latin1'));
    expect(r?.originalMessageId).toBe('<731a5e8c-c8d6-49e6-afc6-d320de7cfb12@mailwright.test>');
    expect(r?.recipients.map((x) => x.recipient)).toEqual(['nobody@bounce.mailwright.test']);
  });

  it('still reads a report cut off inside the returned message (no closing boundary)', async () => {
    const source = load('postfix-real.eml').toString('latin1');
    // Ends in the middle of the returned message's header after its Message-ID.
    const cut = source.slice(0, source.indexOf('\n', source.indexOf('Message-ID: <731a')) + 9);
    expect(cut.endsWith('Date: Su')).toBe(true);
    const r = await parseDeliveryReport(Buffer.from(cut, 'latin1'));
    expect(r?.recipients[0]?.status).toBe('5.1.1');
    expect(r?.originalMessageId).toBe('<731a5e8c-c8d6-49e6-afc6-d320de7cfb12@mailwright.test>');
  });
});

describe('parseDeliveryReport: garbage never throws', () => {
  // A small deterministic generator, so a failure can be reproduced.
  function* randomBuffers(count: number): Generator<Buffer> {
    let seed = 0x2f6b1d3c;
    const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
    for (let i = 0; i < count; i++) {
      const len = next() % 4096;
      const buf = Buffer.alloc(len);
      for (let j = 0; j < len; j++) buf[j] = next() >>> 24;
      yield buf;
    }
  }

  it('returns null for random bytes', async () => {
    for (const buf of randomBuffers(200)) {
      await expect(parseDeliveryReport(buf)).resolves.toBeNull();
    }
  });

  const report = (body: string, type = 'multipart/report; report-type=delivery-status; boundary="b"') =>
    `From: MAILER-DAEMON@mx.example\nSubject: Undelivered Mail Returned to Sender\nContent-Type: ${type}\nMIME-Version: 1.0\n\n${body}`;
  const nested = (depth: number) => {
    let s = 'Final-Recipient: rfc822; x@example.com\n';
    for (let i = depth; i > 0; i--) s = `Content-Type: multipart/mixed; boundary="n${i}"\n\n--n${i}\n${s}\n--n${i}--\n`;
    return s;
  };

  it.each([
    ['empty', ''],
    ['only a blank line', '\r\n\r\n'],
    ['headers cut before the body', 'From: MAILER-DAEMON@mx.example\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\n'],
    ['unterminated boundary parameter', report('--b\n\nx\n', 'multipart/report; report-type=delivery-status; boundary="b')],
    ['no part after the preamble', report('This is a MIME-encapsulated message.\n\n--b')],
    ['status part cut before any recipient', report('--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\nArrival-Da')],
    ['recipient group without a colon', report('--b\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\nFinal-Recipient rfc822 x@example.com\nAction failed\n--b--\n')],
    ['base64 noise in the status part', report('--b\nContent-Type: message/delivery-status\nContent-Transfer-Encoding: base64\n\n!!!!####$$$$\n--b--\n')],
    ['nesting far deeper than we walk', nested(500)],
    ['a 3 MB header line', `From: MAILER-DAEMON@mx.example\nSubject: ${'x'.repeat(3_000_000)}`],
    ['many boundaries', report('--b\n'.repeat(200_000))],
    ['unclosed style tags in an html bounce', report('<style>'.repeat(50_000), 'text/html')],
    ['many angle brackets in an html bounce', report('<'.repeat(300_000), 'text/html')],
  ])('%s', async (_name, text) => {
    await expect(parseDeliveryReport(Buffer.from(text, 'latin1'))).resolves.toBeNull();
  });

  it('returns null for something that is not a Buffer', async () => {
    await expect(parseDeliveryReport(undefined as unknown as Buffer)).resolves.toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------

const job = (over: Partial<SentMessageRef> & Pick<SentMessageRef, 'jobId'>): SentMessageRef => ({
  messageId: `<${over.jobId}@example.org>`,
  envelopeId: null,
  recipients: [],
  sentAt: '2026-03-01T00:00:00.000Z',
  ...over,
});

const summary = (links: ReturnType<typeof linkReport>) => links.map((l) => [l.jobId, l.recipient, l.matchedBy, l.report.recipient]);

describe('linkReport', () => {
  it('links the real Postfix bounce by the Message-ID of its returned message', async () => {
    const r = await parse('postfix-real.eml');
    const sent = [
      job({ jobId: 'earlier', recipients: ['nobody@bounce.mailwright.test'], sentAt: '2026-11-22T09:10:00.000Z' }),
      job({ jobId: 'hello', messageId: '<731a5e8c-c8d6-49e6-afc6-d320de7cfb12@mailwright.test>', recipients: ['nobody@bounce.mailwright.test'], sentAt: '2026-11-22T09:14:49.000Z' }),
    ];
    expect(summary(linkReport(r, sent))).toEqual([['hello', 'nobody@bounce.mailwright.test', 'message-id', 'nobody@bounce.mailwright.test']]);
  });

  it('prefers the envelope id over the Message-ID, and matches the recipient by ORCPT', async () => {
    const r = await parse('postfix-headers-envid.eml');
    const sent = [
      // Same Message-ID as the returned headers, but the ENVID points elsewhere: ENVID wins.
      job({ jobId: 'by-id', messageId: '<c3b2a190-8e7d-4f6c-b5a4-93827160f5e4@example.org>', recipients: ['Sales@Corp.Example.com'] }),
      // Sent to the alias as the person typed it; the report's final recipient is the expanded address.
      job({ jobId: 'by-envid', envelopeId: 'mw+job=8f2c1d', recipients: ['someone@else.example', 'Sales@Corp.Example.com'] }),
    ];
    expect(summary(linkReport(r, sent))).toEqual([['by-envid', 'Sales@Corp.Example.com', 'envelope-id', 'd.jones@corp.example.com']]);
  });

  it('compares Message-IDs without <> and case-insensitively on the domain only', async () => {
    const r = await parse('exchange-365.eml'); // returned id ends in @Contoso.Example
    const sent = [job({ jobId: 'budget', messageId: '<e2d4f6a8-1357-49bd-8ace-0f2e4d6c8b1a@contoso.example>', recipients: ['ivan@fabrikam.example'] })];
    expect(summary(linkReport(r, sent))).toEqual([['budget', 'ivan@fabrikam.example', 'message-id', 'ivan@fabrikam.example']]);
    const bare = [job({ jobId: 'bare', messageId: 'e2d4f6a8-1357-49bd-8ace-0f2e4d6c8b1a@CONTOSO.EXAMPLE', recipients: ['ivan@fabrikam.example'] })];
    expect(summary(linkReport(r, bare))).toEqual([['bare', 'ivan@fabrikam.example', 'message-id', 'ivan@fabrikam.example']]);
    const otherCase = [job({ jobId: 'x', messageId: '<E2D4F6A8-1357-49BD-8ACE-0F2E4D6C8B1A@contoso.example>', recipients: ['ivan@fabrikam.example'] })];
    expect(linkReport(r, otherCase)).toEqual([]);
  });

  it('matches IDN recipients in punycode and in Unicode', async () => {
    const r = await parse('global-utf8.eml');
    const sent = [job({ jobId: 'books', messageId: '<6e5d4c3b-2a19-4f8e-9d7c-6b5a49382716@example.org>', recipients: ['josé@xn--bcher-kva.example'] })];
    expect(summary(linkReport(r, sent))).toEqual([['books', 'josé@xn--bcher-kva.example', 'message-id', 'josé@bücher.example']]);

    const punyReport = synthetic([{ recipient: 'info@xn--mnchen-3ya.example' }]);
    const unicodeJob = [job({ jobId: 'muc', recipients: ['info@MÜNCHEN.example'], sentAt: '2026-03-10T09:00:00.000Z' })];
    expect(summary(linkReport(punyReport, unicodeJob))).toEqual([['muc', 'info@MÜNCHEN.example', 'recipient', 'info@xn--mnchen-3ya.example']]);
  });

  it('returns only report recipients that are envelope recipients of the linked job', async () => {
    const r = await parse('sendmail.eml');
    const sent = [job({ jobId: 'slides', messageId: '<1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f@example.org>', recipients: ['paul@physics.university.example'] })];
    expect(summary(linkReport(r, sent))).toEqual([['slides', 'paul@physics.university.example', 'message-id', 'paul@physics.university.example']]);
  });

  it('does not fall back to addresses when the report names a message that is not ours', async () => {
    const r = await parse('postfix-failed.eml');
    const sent = [job({ jobId: 'other', recipients: ['bob.nobody@example.net'], sentAt: '2026-03-10T13:02:28.000Z' })];
    expect(linkReport(r, sent)).toEqual([]);
  });

  describe('by recipient (the report names no message)', () => {
    // postfix-text.eml: arrived 2026-03-24T18:45:33Z, rita and steve failed, no returned headers.
    const at = (iso: string) => `2026-03-${iso}.000Z`;

    it('links the one job sent to those addresses in the week before', async () => {
      const r = await parse('postfix-text.eml');
      const sent = [
        job({ jobId: 'old', recipients: ['rita@partner.example', 'steve@partner.example'], sentAt: at('14T10:00:00') }), // 10 days before
        job({ jobId: 'later', recipients: ['rita@partner.example', 'steve@partner.example'], sentAt: at('25T09:00:00') }), // after arrival
        job({ jobId: 'unrelated', recipients: ['tom@partner.example'], sentAt: at('24T18:40:00') }),
        job({ jobId: 'offer', recipients: ['Rita@Partner.Example', 'steve@partner.example'], sentAt: at('24T18:44:00') }),
      ];
      expect(summary(linkReport(r, sent))).toEqual([
        ['offer', 'Rita@Partner.Example', 'recipient', 'rita@partner.example'],
        ['offer', 'steve@partner.example', 'recipient', 'steve@partner.example'],
      ]);
    });

    it('links nothing when two jobs went to the same address in that week', async () => {
      const r = await parse('postfix-text.eml');
      const sent = [
        job({ jobId: 'a', recipients: ['rita@partner.example', 'steve@partner.example'], sentAt: at('21T08:00:00') }),
        job({ jobId: 'b', recipients: ['rita@partner.example', 'steve@partner.example'], sentAt: at('24T18:44:00') }),
      ];
      expect(linkReport(r, sent)).toEqual([]);
    });

    it('links nothing when the recipients point at different jobs', async () => {
      const r = await parse('postfix-text.eml');
      const sent = [
        job({ jobId: 'to-rita', recipients: ['rita@partner.example'], sentAt: at('24T18:30:00') }),
        job({ jobId: 'to-steve', recipients: ['steve@partner.example'], sentAt: at('24T18:44:00') }),
      ];
      expect(linkReport(r, sent)).toEqual([]);
    });

    it('without an arrival date, counts the week before the newest job', () => {
      const r = { ...synthetic([{ recipient: 'zoe@example.net' }]), arrivalDate: null };
      const once = [job({ jobId: 'z1', recipients: ['zoe@example.net'], sentAt: '2026-01-01T00:00:00.000Z' }), job({ jobId: 'z2', recipients: ['zoe@example.net'], sentAt: '2026-03-01T00:00:00.000Z' })];
      expect(summary(linkReport(r, once))).toEqual([['z2', 'zoe@example.net', 'recipient', 'zoe@example.net']]);
      const twice = [...once, job({ jobId: 'z3', recipients: ['zoe@example.net'], sentAt: '2026-02-27T00:00:00.000Z' })];
      expect(linkReport(r, twice)).toEqual([]);
    });
  });

  it('prefers an exact local part, and accepts another case only when it is the only candidate', () => {
    const r = synthetic([{ recipient: 'bob@example.net' }], '<m1@example.org>');
    const both = [job({ jobId: 'j', messageId: '<m1@example.org>', recipients: ['Bob@example.net', 'bob@example.net'] })];
    expect(summary(linkReport(r, both))).toEqual([['j', 'bob@example.net', 'message-id', 'bob@example.net']]);
    const onlyUpper = [job({ jobId: 'j', messageId: '<m1@example.org>', recipients: ['Bob@Example.NET'] })];
    expect(summary(linkReport(r, onlyUpper))).toEqual([['j', 'Bob@Example.NET', 'message-id', 'bob@example.net']]);
    const twoVariants = synthetic([{ recipient: 'bob@example.net' }], '<m1@example.org>');
    const ambiguous = [job({ jobId: 'j', messageId: '<m1@example.org>', recipients: ['Bob@example.net', 'BOB@example.net'] })];
    expect(linkReport(twoVariants, ambiguous)).toEqual([]);
  });
});

/** A report as a text bounce without ENVID would give, for link tests that need no corpus file. */
function synthetic(recipients: Array<Pick<RecipientReport, 'recipient'>>, originalMessageId: string | null = null): DeliveryReport {
  return {
    kind: 'other',
    reportMessageId: '<r@mx.example>',
    reportingMta: null,
    envelopeId: null,
    originalMessageId,
    originalSubject: null,
    arrivalDate: '2026-03-10T10:00:00.000Z',
    recipients: recipients.map((r) => ({ originalRecipient: null, action: 'failed', status: '5.1.1', diagnostic: null, remoteMta: null, ...r })),
  };
}
