import { describe, expect, it } from 'vitest';
import { parseAddressList } from '../../shared/addresses';
import { MAX_MAILTO_LENGTH, MailtoOpenedSchema, parseMailto, type MailtoDraft } from '../../shared/mailto';

const draftOf = (url: string): MailtoDraft => {
  const r = parseMailto(url);
  if (!r.ok) throw new Error(`refused ${url}: ${r.reason}`);
  return r.draft;
};
const reasonOf = (url: string): string => {
  const r = parseMailto(url);
  if (r.ok) throw new Error(`accepted ${url}: ${JSON.stringify(r.draft)}`);
  return r.reason;
};
const empty = { to: '', cc: '', bcc: '', subject: '', body: '' };

describe('parseMailto: RFC 6068 forms', () => {
  it('reads the address in the path, percent-decoded', () => {
    expect(draftOf('mailto:chris@example.com')).toEqual({ ...empty, to: 'chris@example.com' });
    expect(draftOf('MAILTO:%22not%40me%22@example.org')).toEqual({ ...empty, to: '"not@me"@example.org' });
    expect(draftOf('mailto:')).toEqual(empty);
  });

  it('reads to, cc, bcc, subject and body; header names in any case', () => {
    expect(draftOf('mailto:a@example.com?CC=b@example.com&Bcc=c@example.com&subject=Hello%20there&body=Hi%2C%20you')).toEqual({
      to: 'a@example.com',
      cc: 'b@example.com',
      bcc: 'c@example.com',
      subject: 'Hello there',
      body: 'Hi, you',
    });
  });

  it('joins several to: the path, comma-separated addresses and to= headers (mailto:?to= form too)', () => {
    expect(draftOf('mailto:a@example.com,b@example.com?to=c@example.com&to=d@example.com').to).toBe('a@example.com,b@example.com, c@example.com, d@example.com');
    expect(draftOf('mailto:?to=joe@example.com&to=ann@example.com').to).toBe('joe@example.com, ann@example.com');
    const parsed = parseAddressList(draftOf('mailto:a@example.com,b@example.com?to=c@example.com').to);
    expect(parsed.addresses.map((a) => a.address)).toEqual(['a@example.com', 'b@example.com', 'c@example.com']);
    expect(parsed.invalid).toEqual([]);
  });

  it('keeps "+" as "+" (not a form encoding) and decodes UTF-8', () => {
    expect(draftOf('mailto:bob+news@example.org?subject=caf%C3%A9+%E2%9C%93')).toEqual({ ...empty, to: 'bob+news@example.org', subject: 'café+✓' });
  });

  it('keeps line breaks in the body as line breaks', () => {
    expect(draftOf('mailto:a@example.com?body=line%20one%0D%0Aline%20two%0Athree%0D%0A%0D%0Afive').body).toBe('line one\nline two\nthree\n\nfive');
  });

  it('ignores every other header (from, reply-to, in-reply-to, unknown ones) and a fragment', () => {
    expect(
      draftOf('mailto:a@example.com?from=boss@example.com&reply-to=evil@example.net&In-Reply-To=%3C1@x%3E&x-mailer=z&keywords=a&subject=Hi#body=nope'),
    ).toEqual({ ...empty, to: 'a@example.com', subject: 'Hi' });
  });
});

describe('parseMailto: hostile links', () => {
  it('refuses attach=, attachment=, file= and any file-ish parameter, in words', () => {
    for (const url of [
      'mailto:a@example.com?attach=/etc/passwd',
      'mailto:a@example.com?subject=Hi&Attachment=C:%5CUsers%5Cme%5Ckeys.txt',
      'mailto:a@example.com?file=~/.ssh/id_rsa',
      'mailto:a@example.com?x-attach-file=%2Fhome',
      'mailto:?ATTACH=file:///etc/shadow',
      'mailto:a@example.com?%61ttach=/etc/passwd', // "attach" percent-encoded
      'mailto:a@example.com?path=/tmp/x',
    ]) {
      expect(reasonOf(url), url).toMatch(/attach a file.*no message was started/);
    }
  });

  it('refuses a line break in to, cc, bcc or subject (header injection), raw or encoded', () => {
    expect(reasonOf('mailto:a@example.com?subject=Hi%0D%0ABcc:%20spy@evil.example')).toMatch(/line break into the subject/);
    expect(reasonOf('mailto:a@example.com?subject=Hi%0ABcc:x@evil.example')).toMatch(/line break/);
    expect(reasonOf('mailto:a@example.com?subject=Hi%E2%80%A8Bcc')).toMatch(/line break/); // U+2028
    expect(reasonOf('mailto:a@example.com%0D%0ABcc:spy@evil.example')).toMatch(/line break into To/);
    expect(reasonOf('mailto:?to=a@example.com%0D%0ABcc:spy@evil.example')).toMatch(/line break into To/);
    expect(reasonOf('mailto:a@example.com?cc=b@example.com%0Ax@evil.example')).toMatch(/line break into Cc/);
    expect(reasonOf('mailto:a@example.com?bcc=b@example.com%0Dx')).toMatch(/line break into Bcc/);
    expect(reasonOf('mailto:a@example.com?subject=a%00b')).toMatch(/control characters/);
  });

  it('flags look-alike domains with the same words as the address parser, and keeps them for the compose window to show', () => {
    const r = parseMailto('mailto:support@p%D0%B0ypal.com?cc=ok@example.com');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.draft.to).toBe('support@pаypal.com');
    const typed = parseAddressList('support@pаypal.com').invalid;
    expect(typed[0]?.reason).toBe('mixed-script');
    expect(r.warnings).toEqual(typed.map((p) => p.message));
    // Punycode spelling of the same look-alike domain.
    const puny = parseMailto('mailto:a@xn--pypal-4ve.com');
    expect(puny.ok && puny.warnings.length).toBe(1);
    expect(parseMailto('mailto:a@example.com').ok && (parseMailto('mailto:a@example.com') as { warnings: string[] }).warnings).toEqual([]);
  });

  it('refuses invalid percent-encoding and bytes that are not UTF-8', () => {
    expect(reasonOf('mailto:a@example.com?subject=50%')).toMatch(/invalid %-code/);
    expect(reasonOf('mailto:a@example.com?subject=%ZZ')).toMatch(/invalid %-code/);
    expect(reasonOf('mailto:a@example.com?subject=%C3%28')).toMatch(/invalid %-code/); // not UTF-8
    expect(reasonOf('mailto:a@example.com?body=%ED%A0%80')).toMatch(/invalid %-code/); // a UTF-16 surrogate in UTF-8
    expect(reasonOf('mailto:a%FF@example.com')).toMatch(/invalid %-code/);
  });

  it('refuses huge links and over-long subjects', () => {
    expect(reasonOf(`mailto:a@example.com?body=${'x'.repeat(MAX_MAILTO_LENGTH)}`)).toMatch(/too long/);
    expect(reasonOf(`mailto:${'a'.repeat(70_000)}@example.com`)).toMatch(/too long/);
    expect(reasonOf(`mailto:a@example.com?subject=${'s'.repeat(999)}`)).toMatch(/longer than 998/);
    expect(draftOf(`mailto:a@example.com?body=${'x'.repeat(60_000)}`).body).toHaveLength(60_000);
  });

  it('refuses a second subject or body, and anything that is not mailto:', () => {
    expect(reasonOf('mailto:a@example.com?subject=one&subject=two')).toMatch(/subject twice/);
    expect(reasonOf('mailto:a@example.com?body=one&BODY=two')).toMatch(/body twice/);
    expect(reasonOf('https://example.com/?to=a@example.com')).toMatch(/not a mail link/);
    expect(reasonOf('javascript:alert(1)//mailto:a@example.com')).toMatch(/not a mail link/);
  });

  it('gives results that fit the event schema', () => {
    const r = parseMailto('mailto:a@example.com?subject=Hi&body=x%0D%0Ay');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(MailtoOpenedSchema.safeParse({ kind: 'draft', id: crypto.randomUUID(), draft: r.draft, warnings: r.warnings }).success).toBe(true);
    expect(MailtoOpenedSchema.safeParse({ kind: 'draft', id: crypto.randomUUID(), draft: { ...r.draft, subject: 'a\nb' }, warnings: [] }).success).toBe(false);
  });
});

describe('mailto: links clicked in a message use the same parser', async () => {
  const { classifyLink } = await import('../../src-renderer/features/mailbox/links');

  it('keeps "+" and refuses what a link handed to the app would be refused for', () => {
    expect(classifyLink('mailto:bob+news@example.org?subject=a+b&cc=c@example.org')).toMatchObject({
      kind: 'mail',
      draft: { to: 'bob+news@example.org', cc: 'c@example.org', subject: 'a+b' },
    });
    expect(classifyLink('mailto:bob@example.org?attach=/etc/passwd')).toMatchObject({ kind: 'refused', reason: expect.stringMatching(/attach a file/) });
    expect(classifyLink('mailto:bob@example.org?cc=a@example.org%0D%0ABcc:spy@evil.example')).toMatchObject({ kind: 'refused' });
  });
});
