import { describe, expect, it } from 'vitest';
import { composeFrom, forwardSubject, replySubject, threadingOf } from '../../src-main/services/mail/compose-from';
import { parseMessage, safeFileName, attachmentOf, attachmentsOf } from '../../src-main/services/mail/parse';
import type { StoredAccount } from '../../src-main/services/settings-store';

const account: StoredAccount = {
  id: '5b0f3c1e-9a53-4d0c-8a1f-2f6d7f0b1a11',
  description: 'Work',
  email: 'alice@example.com',
  displayName: 'Alice',
  smtp: { host: 'smtp.example.com', port: 465, security: 'tls', auth: 'password', username: 'alice@example.com' },
  incoming: null,
  signature: 'Alice A.',
  identities: [{ id: '0d7f0c33-1b7a-4a51-9a7e-6a8d1f9b2c44', name: 'Sales', email: 'sales@example.com', signature: 'The sales team' }],
  oauth: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const PARENT = [
  'From: Bob Builder <bob@example.org>',
  'Reply-To: bob.replies@example.org',
  'To: Alice <alice@EXAMPLE.com>, carol@example.net',
  'Cc: dave@example.net, sales@example.com, Carol <carol@example.net>',
  'Subject: Re: Quarterly numbers',
  'Date: Tue, 10 Nov 2026 09:30:00 +0000',
  'Message-ID: <parent-3@example.org>',
  'In-Reply-To: <parent-2@example.org>',
  'References: <root-1@example.org> <parent-2@example.org>',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Here are the numbers.',
  '> earlier quote',
  '',
  '<script>alert(1)</script>',
  '',
].join('\r\n');

describe('reply, reply all, forward', () => {
  it('reply goes to Reply-To, once, with "Re:" not doubled and the threading headers', async () => {
    const parent = await parseMessage(Buffer.from(PARENT));
    const draft = composeFrom(parent, 'reply', account);
    expect(draft.to).toBe('bob.replies@example.org');
    expect(draft.cc).toBe('');
    expect(draft.subject).toBe('Re: Quarterly numbers');
    expect(draft.inReplyTo).toBe('<parent-3@example.org>');
    expect(draft.references).toEqual(['<root-1@example.org>', '<parent-2@example.org>', '<parent-3@example.org>']);
  });

  it('reply all adds the other recipients, never the account or its identities, each address once', async () => {
    const parent = await parseMessage(Buffer.from(PARENT));
    const draft = composeFrom(parent, 'replyAll', account);
    expect(draft.to).toBe('bob.replies@example.org');
    expect(draft.cc.split(', ')).toEqual(['carol@example.net', 'dave@example.net']);
    expect(draft.cc).not.toMatch(/alice@|sales@/i);
    // Addressed to an identity too: the reply goes out from the identity it was sent to.
    expect(draft.identityId).toBe(account.identities[0]!.id);
  });

  it('quotes the plain text escaped, with an attribution line, in both body parts', async () => {
    const parent = await parseMessage(Buffer.from(PARENT));
    const draft = composeFrom(parent, 'reply', account);
    expect(draft.body.text).toContain('Bob Builder <bob@example.org> wrote:\n> Here are the numbers.\n>> earlier quote\n>\n> <script>alert(1)</script>');
    expect(draft.body.html).toContain('<blockquote>');
    expect(draft.body.html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(draft.body.html).not.toContain('<script>');
    expect(draft.body.text).toContain('-- \nThe sales team');
  });

  it('replying to one of my own sent messages goes to its recipients', async () => {
    const mine = await parseMessage(Buffer.from('From: alice@example.com\r\nTo: bob@example.org\r\nSubject: Hi\r\nMessage-ID: <m1@example.com>\r\n\r\nHi\r\n'));
    const draft = composeFrom(mine, 'reply', account);
    expect(draft.to).toBe('bob@example.org');
    expect(draft.references).toEqual(['<m1@example.com>']);
  });

  it('a parent without References threads on its In-Reply-To; without a Message-ID there is nothing to thread on', async () => {
    expect(threadingOf({ messageId: '<b@x>', inReplyTo: '<a@x>', references: [] })).toEqual({ inReplyTo: '<b@x>', references: ['<a@x>', '<b@x>'] });
    expect(threadingOf({ messageId: null, inReplyTo: '<a@x>', references: [] })).toEqual({});
    const long = Array.from({ length: 40 }, (_, i) => `<r${i}@x>`);
    const refs = threadingOf({ messageId: '<last@x>', inReplyTo: null, references: long }).references!;
    expect(refs).toHaveLength(20);
    expect(refs[0]).toBe('<r0@x>');
    expect(refs.at(-1)).toBe('<last@x>');
  });

  it('subjects: one Re:, one Fwd:', () => {
    expect(replySubject('Re: x')).toBe('Re: x');
    expect(replySubject('AW: x')).toBe('AW: x');
    expect(replySubject('Fwd: x')).toBe('Re: Fwd: x');
    expect(forwardSubject('Fwd: x')).toBe('Fwd: x');
    expect(forwardSubject('Re: x')).toBe('Fwd: Re: x');
  });

  it('forward: empty recipients, a forwarded-message header, the attachments passed in, no threading', async () => {
    const raw = [
      'From: Bob <bob@example.org>',
      'To: alice@example.com',
      'Subject: Report',
      'Message-ID: <f1@example.org>',
      'MIME-Version: 1.0',
      'Content-Type: multipart/mixed; boundary="b"',
      '',
      '--b',
      'Content-Type: text/plain',
      '',
      'See attached.',
      '--b',
      'Content-Type: application/pdf; name="../../etc/passwd.pdf"',
      'Content-Disposition: attachment; filename="../../etc/passwd.pdf"',
      'Content-Transfer-Encoding: base64',
      '',
      Buffer.from('%PDF-1.4 test').toString('base64'),
      '--b--',
      '',
    ].join('\r\n');
    const parent = await parseMessage(Buffer.from(raw));
    expect(parent.attachments).toEqual([{ index: 0, filename: '_.._etc_passwd.pdf', contentType: 'application/pdf', size: 13 }]);
    expect((await attachmentOf(Buffer.from(raw), 0))?.content.toString()).toBe('%PDF-1.4 test');
    // Forwarding takes every attachment from one parse, named as in the listing.
    const all = await attachmentsOf(Buffer.from(raw));
    expect(all.map((a) => [a.filename, a.content.toString()])).toEqual([['_.._etc_passwd.pdf', '%PDF-1.4 test']]);
    const ref = { token: 't', name: 'x.pdf', size: 13 };
    const draft = composeFrom(parent, 'forward', account, [ref]);
    expect(draft.to).toBe('');
    expect(draft.subject).toBe('Fwd: Report');
    expect(draft.attachments).toEqual([ref]);
    expect(draft.inReplyTo).toBeUndefined();
    expect(draft.body.text).toContain('---------- Forwarded message ----------\nFrom: Bob <bob@example.org>');
    expect(draft.body.text).toContain('See attached.');
  });

  it('file names offered for saving cannot leave the chosen folder', () => {
    expect(safeFileName('../../x', 'text/plain', 0)).toBe('_.._x');
    expect(safeFileName('a/b\\c:d', 'text/plain', 0)).toBe('a_b_c_d');
    expect(safeFileName(undefined, 'application/pdf', 2)).toBe('attachment-3.pdf');
    expect(safeFileName('...', 'image/png', 0)).toBe('attachment-1.png');
  });
});
