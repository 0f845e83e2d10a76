/**
 * What the sandbox shows of a captured message (src-main/services/sandbox/inspect.ts and lint.ts):
 * messages built by the app's own builder (outbox/message.ts) or nodemailer's MailComposer, and
 * hand-written raw messages for the faulty cases.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import MailComposer from 'nodemailer/lib/mail-composer';
import { afterAll, describe, expect, it } from 'vitest';
import { docToPlainText, type RichNode } from '../../shared/richtext';
import { SandboxMessageSchema, SANDBOX_SOURCE_SHOWN_MAX, type LintFinding } from '../../shared/sandbox';
import { writeMessageFile } from '../../src-main/services/outbox/message';
import type { MessageInput } from '../../src-main/services/outbox/types';
import { headerSummary, inspectMessage, sourceOf, type InspectContext } from '../../src-main/services/sandbox/inspect';

const dir = mkdtempSync(join(tmpdir(), 'mw-inspect-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A 1x1 PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const context: InspectContext = { envelope: { mailFrom: 'alice@example.com', rcptTo: ['bob@example.org'] }, bulk: false };

let counter = 0;
/** Builds a message with the app's own builder, exactly as the outbox stores it. */
async function built(input: Partial<MessageInput> = {}): Promise<Buffer> {
  const file = join(dir, `m${++counter}.eml`);
  const message: MessageInput = {
    from: { name: 'Alice', address: 'alice@example.com' },
    to: [{ name: 'Bob', address: 'bob@example.org' }],
    cc: [],
    bcc: [],
    subject: 'Quarterly numbers',
    text: 'Here are the quarterly numbers for the north region.',
    html: '<p>Here are the <b>quarterly numbers</b> for the north region.</p>',
    ...input,
  };
  await writeMessageFile(file, message, `<m${counter}@example.com>`, new Date('2026-11-10T09:30:00Z'));
  return readFileSync(file);
}

const raw = (lines: string[]) => Buffer.from(lines.join('\r\n'));
const CLEAN_HEAD = ['From: Alice <alice@example.com>', 'To: bob@example.org', 'Subject: Hello', 'Date: Tue, 10 Nov 2026 09:30:00 +0000', 'Message-ID: <x1@example.com>', 'MIME-Version: 1.0'];
const kinds = (lint: Array<{ finding: LintFinding }>) => lint.map((l) => l.finding.kind);
const finding = <K extends LintFinding['kind']>(lint: Array<{ finding: LintFinding }>, kind: K) =>
  lint.find((l) => l.finding.kind === kind)?.finding as Extract<LintFinding, { kind: K }> | undefined;

describe('inspectMessage: a message the app built', () => {
  it('gives a view the contract accepts, rendered as the mail view renders it, and a clean message has no finding', async () => {
    const message = await built({ cc: [{ name: '', address: 'carol@example.net' }], bcc: [{ name: '', address: 'dave@example.net' }] });
    const view = await inspectMessage(message, context);
    const summary = { id: '00000000-0000-4000-8000-000000000000', receivedAt: '', envelope: context.envelope, size: message.length, from: null, subject: '', accountId: null, warnings: 0 };
    expect(SandboxMessageSchema.safeParse({ summary, ...view }).success).toBe(true);
    expect(view.rendered.from).toEqual({ name: 'Alice', address: 'alice@example.com' });
    expect(view.rendered.to).toEqual([{ name: 'Bob', address: 'bob@example.org' }]);
    expect(view.rendered.cc).toEqual([{ name: '', address: 'carol@example.net' }]);
    // The app puts Bcc in the envelope only.
    expect(view.rendered.bcc).toEqual([]);
    expect(view.headers.some((h) => h.name.toLowerCase() === 'bcc')).toBe(false);
    expect(view.rendered.subject).toBe('Quarterly numbers');
    expect(view.rendered.date).toBe('2026-11-10T09:30:00.000Z');
    expect(view.rendered.text).toContain('quarterly numbers for the north region');
    expect(view.rendered.html).toContain('<b>quarterly numbers</b>');
    expect(view.lint).toEqual([]);
    expect(view.sourceCut).toBe(false);
    expect(view.source).toBe(message.toString('utf8'));
  });

  it('shows a Bcc header when a message carries one', async () => {
    const message = raw([...CLEAN_HEAD, 'Bcc: Dave <dave@example.net>, erin@example.net', '', 'Hello.', '']);
    const view = await inspectMessage(message, context);
    expect(view.rendered.bcc).toEqual([
      { name: 'Dave', address: 'dave@example.net' },
      { name: '', address: 'erin@example.net' },
    ]);
    expect(view.headers).toContainEqual({ name: 'Bcc', value: 'Dave <dave@example.net>, erin@example.net' });
  });

  it('reads the MIME tree of multipart/mixed > multipart/alternative (+ related inline image) + attachment', async () => {
    const image = join(dir, 'logo.png');
    writeFileSync(image, PNG);
    const report = join(dir, 'report.pdf');
    writeFileSync(report, Buffer.alloc(3000, 7));
    const message = await built({
      html: '<p>Here are the quarterly numbers for the north region.</p><img src="cid:logo@mw" alt="">',
      attachments: [
        { filename: 'logo.png', path: image, cid: 'logo@mw' },
        { filename: 'report.pdf', path: report, contentType: 'application/pdf' },
      ],
    });
    const view = await inspectMessage(message, context);
    const { mime } = view;
    expect(mime.contentType).toBe('multipart/mixed');
    expect(mime.children.map((c) => c.contentType)).toEqual(['multipart/alternative', 'application/pdf']);
    const [alternative, pdf] = mime.children;
    expect(alternative?.children.map((c) => c.contentType)).toEqual(['text/plain', 'multipart/related']);
    const related = alternative?.children[1];
    expect(related?.children.map((c) => c.contentType)).toEqual(['text/html', 'image/png']);
    const png = related?.children[1];
    expect(png).toMatchObject({ transferEncoding: 'base64', disposition: 'inline', filename: 'logo.png' });
    expect(alternative?.children[0]).toMatchObject({ contentType: 'text/plain', charset: 'utf-8' });
    expect(pdf).toMatchObject({ disposition: 'attachment', filename: 'report.pdf', transferEncoding: 'base64' });
    // 3000 bytes in base64 (4000 characters) plus its line breaks.
    expect(pdf?.size).toBeGreaterThanOrEqual(4000);
    expect(pdf?.size).toBeLessThan(4200);
    // A multipart holds its parts: bigger than all of them, smaller than the message.
    const sum = (n: typeof mime): number => n.children.reduce((s, c) => s + c.size, 0);
    expect(mime.size).toBeGreaterThan(sum(mime));
    expect(mime.size).toBeLessThan(message.length);
    expect(alternative!.size).toBeGreaterThan(sum(alternative!));
    // The inline image is shown in the HTML, the PDF is listed.
    expect(Object.keys(view.rendered.inlineImages)).toEqual(['logo@mw']);
    expect(view.rendered.inlineImages['logo@mw']).toMatch(/^data:image\/png;base64,/);
    expect(view.rendered.attachments).toEqual([{ index: 0, filename: 'report.pdf', contentType: 'application/pdf', size: 3000 }]);
  });

  it('lists at most 200 children per part', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 230; i++) parts.push('--b', 'Content-Type: text/plain', '', `part ${i}`);
    const message = raw([...CLEAN_HEAD, 'Content-Type: multipart/mixed; boundary=b', '', ...parts, '--b--', '']);
    const { mime } = await inspectMessage(message, context);
    expect(mime.children).toHaveLength(200);
  });

  it('still shows a message mailparser refuses (over 1000 parts): headers, tree and lint, nothing rendered', async () => {
    const parts: string[] = [];
    for (let i = 0; i < 1500; i++) parts.push('--b', 'Content-Type: text/plain', '', `part ${i}`);
    const message = raw([...CLEAN_HEAD.filter((h) => !h.startsWith('Date:')), 'Content-Type: multipart/mixed; boundary=b', '', ...parts, '--b--', '']);
    const view = await inspectMessage(message, context);
    expect(view.rendered).toMatchObject({ from: { name: 'Alice', address: 'alice@example.com' }, subject: 'Hello', text: '', html: null });
    expect(view.mime.children).toHaveLength(200);
    expect(view.headers[0]).toEqual({ name: 'From', value: 'Alice <alice@example.com>' });
    expect(kinds(view.lint)).toEqual(['no-date']);
  });

  it('shows 12 levels below the top at most', async () => {
    const lines: string[] = [...CLEAN_HEAD, 'Content-Type: multipart/mixed; boundary=b0', ''];
    for (let i = 1; i < 20; i++) lines.push(`--b${i - 1}`, `Content-Type: multipart/mixed; boundary=b${i}`, '');
    lines.push('--b19', 'Content-Type: text/plain', '', 'deep');
    for (let i = 19; i >= 0; i--) lines.push(`--b${i}--`);
    const { mime } = await inspectMessage(raw([...lines, '']), context);
    let depth = 0;
    for (let node = mime; node.children[0]; node = node.children[0]) depth += 1;
    expect(depth).toBe(12);
  });
});

describe('headers and source', () => {
  it('lists every header in order, unfolded, encoded words as sent', async () => {
    const message = raw([
      'Received: from a.example.com by b.example.com;',
      '\tTue, 10 Nov 2026 09:30:00 +0000',
      'From: =?utf-8?Q?J=C3=B6rg?= <jorg@example.com>',
      'Subject: =?utf-8?B?R3LDvMOfZQ==?=',
      '  and more',
      'X-Empty:',
      'X-Raw: Grüße (8-bit, RFC 6532)',
      'Received: second',
      '',
      'Body.',
    ]);
    const view = await inspectMessage(message, context);
    expect(view.headers).toEqual([
      { name: 'Received', value: 'from a.example.com by b.example.com;\tTue, 10 Nov 2026 09:30:00 +0000' },
      { name: 'From', value: '=?utf-8?Q?J=C3=B6rg?= <jorg@example.com>' },
      { name: 'Subject', value: '=?utf-8?B?R3LDvMOfZQ==?=  and more' },
      { name: 'X-Empty', value: '' },
      { name: 'X-Raw', value: 'Grüße (8-bit, RFC 6532)' },
      { name: 'Received', value: 'second' },
    ]);
  });

  it('a message without headers has none, and a broken one still gives a view', async () => {
    const bodyOnly = await inspectMessage(Buffer.from('\r\nJust a body.\r\n'), context);
    expect(bodyOnly.headers).toEqual([]);
    expect(kinds(bodyOnly.lint)).toEqual(['no-date', 'no-message-id']);
    const unterminated = raw(['Content-Type: multipart/mixed; boundary=x', '', '--x', 'Content-Type: text/plain', '', 'no closing boundary']);
    const view = await inspectMessage(unterminated, context);
    expect(view.mime.children.map((c) => c.contentType)).toEqual(['text/plain']);
    expect(view.rendered.text).toContain('no closing boundary');
  });

  it('headerSummary decodes From and Subject from the header block alone', () => {
    const message = raw(['From: =?utf-8?Q?J=C3=B6rg_M?= <jorg@example.com>', 'Subject: =?utf-8?B?R3LDvMOfZQ==?=', 'Message-ID: <id-1@example.com>', '', 'Subject: not this one']);
    expect(headerSummary(message)).toEqual({ from: { name: 'Jörg M', address: 'jorg@example.com' }, subject: 'Grüße', messageId: '<id-1@example.com>' });
    expect(headerSummary(raw(['To: x@example.com', '', 'body']))).toEqual({ from: null, subject: '', messageId: null });
    expect(headerSummary(raw(['From: "Zoë" <zoe@example.com>', 'Subject: Grüße direkt', '', '']))).toEqual({ from: { name: 'Zoë', address: 'zoe@example.com' }, subject: 'Grüße direkt', messageId: null });
  });

  it('cuts the source at the limit before a character that does not fit whole', () => {
    // 'é' is two bytes: the limit falls between them.
    const text = Buffer.concat([Buffer.alloc(SANDBOX_SOURCE_SHOWN_MAX - 1, 'a'), Buffer.from('é and more')]);
    const { source, sourceCut } = sourceOf(text);
    expect(sourceCut).toBe(true);
    expect(source).toBe('a'.repeat(SANDBOX_SOURCE_SHOWN_MAX - 1));
    expect(source.includes('\uFFFD')).toBe(false);
    // A three-byte character ending exactly at the limit is kept.
    const euro = Buffer.concat([Buffer.alloc(SANDBOX_SOURCE_SHOWN_MAX - 3, 'a'), Buffer.from('€b')]);
    expect(sourceOf(euro).source.endsWith('€')).toBe(true);
    expect(sourceOf(Buffer.from('short é')).sourceCut).toBe(false);
  });
});

describe('lint', () => {
  it('no Date', async () => {
    const message = raw([...CLEAN_HEAD.filter((h) => !h.startsWith('Date:')), '', 'Hello.']);
    expect(finding((await inspectMessage(message, context)).lint, 'no-date')).toEqual({ kind: 'no-date' });
    expect(kinds((await inspectMessage(raw([...CLEAN_HEAD, '', 'Hello.']), context)).lint)).toEqual([]);
    const empty = raw([...CLEAN_HEAD.filter((h) => !h.startsWith('Date:')), 'Date: ', '', 'Hello.']);
    expect(kinds((await inspectMessage(empty, context)).lint)).toEqual(['no-date']);
  });

  it('no Message-ID', async () => {
    const message = raw([...CLEAN_HEAD.filter((h) => !h.startsWith('Message-ID:')), '', 'Hello.']);
    const view = await inspectMessage(message, context);
    expect(view.lint).toEqual([{ severity: 'warning', finding: { kind: 'no-message-id' } }]);
  });

  it('a text part that says something else than the HTML part', async () => {
    const differs = await built({
      text: 'Your mail program cannot show this message. Please use one that shows HTML.',
      html: '<p>Here are the <b>quarterly numbers</b> for the north region.</p>',
    });
    const found = finding((await inspectMessage(differs, context)).lint, 'text-differs-from-html');
    expect(found).toMatchObject({ kind: 'text-differs-from-html', textWords: 13, htmlWords: 9 });
    expect(found?.sample).toContain('quarterly');
    expect(found?.sample).toContain('program');
    // The same words in another layout (a table, line breaks, the link written out) are no finding.
    const same = await built({
      text: 'Here are the quarterly numbers\nfor the north region.\n\nReport: https://example.com/q3',
      html: '<table><tr><td>Here are the</td><td><a href="https://example.com/q3">quarterly numbers</a></td></tr></table><div>for the north&nbsp;region. Report</div>',
    });
    expect(kinds((await inspectMessage(same, context)).lint)).toEqual([]);
    // The threshold: 20 words in both; 3 more only in the HTML (13% of all) is the usual extra line, 6 more (23%) is a finding.
    const shared = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty';
    const footer = await built({ text: shared, html: `<p>${shared}</p><p>View in browser</p>` });
    expect(kinds((await inspectMessage(footer, context)).lint)).toEqual([]);
    const more = await built({ text: shared, html: `<p>${shared}</p><p>View this in your web browser</p>` });
    expect(finding((await inspectMessage(more, context)).lint, 'text-differs-from-html')).toEqual({
      kind: 'text-differs-from-html',
      textWords: 20,
      htmlWords: 26,
      sample: 'view this in your web browser',
    });
    // The app's own text rendering of a rich message (lists numbered, images named, links written out) says the same.
    const doc: RichNode = {
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'Agenda for ' }, { type: 'text', text: 'Monday', marks: [{ type: 'bold' }] }] },
        { type: 'orderedList', attrs: { type: 'i' }, content: ['budget', 'hiring', 'office move', 'travel', 'training', 'any other business'].map((t) => ({ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: t }] }] })) },
        { type: 'paragraph', content: [{ type: 'image', attrs: { src: 'cid:chart@mw', alt: 'Quarterly sales chart by region' } }] },
        { type: 'paragraph', content: [{ type: 'text', text: 'minutes', marks: [{ type: 'link', attrs: { href: 'https://example.com/minutes' } }] }] },
      ],
    };
    const html = '<p>Agenda for <strong>Monday</strong></p><ol type="i">' +
      ['budget', 'hiring', 'office move', 'travel', 'training', 'any other business'].map((t) => `<li><p>${t}</p></li>`).join('') +
      '</ol><p><img src="cid:chart@mw" alt="Quarterly sales chart by region"></p><p><a href="https://example.com/minutes">minutes</a></p>';
    const rich = await built({ text: docToPlainText(doc), html });
    expect(docToPlainText(doc)).toContain('vi. any other business');
    expect(kinds((await inspectMessage(rich, context)).lint)).toEqual([]);
    // A short note with one word more in one part (a third of its words) is not worth a finding.
    const note = await built({ text: 'Thanks, Bob', html: '<p>Thanks, Bob.<br>Alice</p>' });
    expect(kinds((await inspectMessage(note, context)).lint)).toEqual([]);
    // A line's first word followed by a full stop is a word, not a list marker.
    const lines = await built({ text: 'Thanks. Got it\nAgreed. Noon works\nSure. See you there', html: '<p>Thanks. Got it<br>Agreed. Noon works<br>Sure. See you there</p>' });
    expect(kinds((await inspectMessage(lines, context)).lint)).toEqual([]);
    // Only one of the two: nothing to compare.
    const htmlWithForward = raw([
      ...CLEAN_HEAD,
      'Content-Type: multipart/mixed; boundary=b',
      '',
      '--b',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<p>See the message below about the meeting.</p>',
      '--b',
      'Content-Type: message/rfc822',
      'Content-Disposition: inline',
      '',
      'From: carol@example.net',
      'Subject: Old',
      'Content-Type: text/plain',
      '',
      'Something else entirely, from another person and another day.',
      '--b--',
      '',
    ]);
    expect(kinds((await inspectMessage(htmlWithForward, context)).lint)).toEqual([]);
    const htmlOnly = raw([...CLEAN_HEAD, 'Content-Type: text/html; charset=utf-8', '', '<p>Only HTML here.</p>']);
    expect(kinds((await inspectMessage(htmlOnly, context)).lint)).toEqual([]);
  });

  it('remote images, with their hosts', async () => {
    const message = await built({
      html: [
        '<p>Here are the quarterly numbers for the north region.</p>',
        '<img src="https://track.example.net/open.gif?u=1" width="1">',
        "<img alt='' src='//cdn.example.org/logo.png'>",
        '<td background="http://bg.example.com/tile.png"></td>',
        '<div style="background-image: url(&quot;https://css.example.com/x.png&quot;)"></div>',
        '<style>.a { background: url(https://sheet.example.com/a.png) }</style>',
        '<img src="cid:inline@mw"><img src="data:image/png;base64,AAAA">',
      ].join(''),
      text: 'Here are the quarterly numbers for the north region.',
    });
    const view = await inspectMessage(message, context);
    expect(view.lint).toEqual([
      { severity: 'info', finding: { kind: 'remote-images', count: 5, hosts: ['track.example.net', 'cdn.example.org', 'bg.example.com', 'css.example.com', 'sheet.example.com'] } },
    ]);
    expect(kinds((await inspectMessage(await built({ html: '<p>Here are the quarterly numbers for the north region.</p><img src="cid:x">' }), context)).lint)).toEqual([]);
  });

  it('a From domain other than the envelope sender, IDN and subdomains aware', async () => {
    const message = await built();
    const other = await inspectMessage(message, { ...context, envelope: { mailFrom: 'bounces@Mailer.example.NET', rcptTo: ['bob@example.org'] } });
    expect(other.lint).toEqual([{ severity: 'warning', finding: { kind: 'from-differs-from-envelope', fromDomain: 'example.com', envelopeDomain: 'mailer.example.net' } }]);
    for (const mailFrom of ['ALICE@EXAMPLE.COM', 'bounces@mail.example.com', '']) {
      expect(kinds((await inspectMessage(message, { ...context, envelope: { mailFrom, rcptTo: [] } })).lint)).toEqual([]);
    }
    const idn = await built({ from: { name: 'Jörg', address: 'jorg@bücher.example' } });
    expect(kinds((await inspectMessage(idn, { ...context, envelope: { mailFrom: 'jorg@xn--bcher-kva.example', rcptTo: [] } })).lint)).toEqual([]);
  });

  it('a bulk message without List-Unsubscribe (only when bulk)', async () => {
    const plain = await built();
    expect((await inspectMessage(plain, { ...context, bulk: true })).lint).toEqual([{ severity: 'warning', finding: { kind: 'no-list-unsubscribe' } }]);
    expect(kinds((await inspectMessage(plain, context)).lint)).toEqual([]);
    const withList = await built({ listUnsubscribe: { https: 'https://example.com/u/1' } });
    expect(kinds((await inspectMessage(withList, { ...context, bulk: true })).lint)).toEqual([]);
  });

  it('lines over 998 characters, CRLF not counted', async () => {
    const long = raw([...CLEAN_HEAD, 'Content-Type: text/plain', '', 'a'.repeat(998), 'b'.repeat(999), 'c'.repeat(1500), 'short']);
    expect((await inspectMessage(long, context)).lint).toEqual([{ severity: 'warning', finding: { kind: 'long-lines', count: 2, longest: 1500 } }]);
    const exact = raw([...CLEAN_HEAD, 'Content-Type: text/plain', '', 'a'.repeat(998), 'a'.repeat(998)]);
    expect(kinds((await inspectMessage(exact, context)).lint)).toEqual([]);
    // What nodemailer builds never has one, however long the text's own lines are.
    const composed = await new MailComposer({ from: 'alice@example.com', to: 'bob@example.org', subject: 'x', text: 'word '.repeat(1000), messageId: '<c@example.com>', date: new Date() }).compile().build();
    expect(kinds((await inspectMessage(composed, context)).lint)).toEqual([]);
  });

  it("a size over the account's SIZE", async () => {
    const message = await built();
    const over = await inspectMessage(message, { ...context, sizeLimit: { bytes: message.length - 1, account: 'Work' } });
    expect(over.lint).toEqual([{ severity: 'warning', finding: { kind: 'over-size', size: message.length, limit: message.length - 1, account: 'Work' } }]);
    for (const bytes of [message.length, 0]) {
      expect(kinds((await inspectMessage(message, { ...context, sizeLimit: { bytes, account: 'Work' } })).lint)).toEqual([]);
    }
  });
});
