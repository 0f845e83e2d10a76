import { domainToASCII, domainToUnicode } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  formatAddress,
  isEnvelopeAddress,
  parseAddressList,
  punycodeDecode,
  type AddressProblem,
  type ParsedAddress,
} from '../../shared/addresses';

const one = (text: string): ParsedAddress => {
  const r = parseAddressList(text);
  expect(r.invalid, text).toEqual([]);
  expect(r.addresses, text).toHaveLength(1);
  return r.addresses[0]!;
};

const refused = (text: string): AddressProblem => {
  const r = parseAddressList(text);
  expect(r.addresses, text).toEqual([]);
  expect(r.invalid, text).toHaveLength(1);
  return r.invalid[0]!;
};

const plain = (address: string, name = ''): ParsedAddress => ({
  name,
  address,
  envelope: address,
  domain: address.slice(address.lastIndexOf('@') + 1).toLowerCase(),
  needsSmtpUtf8: false,
});

describe('parseAddressList: accepted forms', () => {
  it('takes bare addresses, angle addresses and display names', () => {
    expect(one('bob@example.com')).toEqual(plain('bob@example.com'));
    expect(one('  <bob@example.com>  ')).toEqual(plain('bob@example.com'));
    expect(one('Bob Smith <bob@example.com>')).toEqual(plain('bob@example.com', 'Bob Smith'));
    expect(one('Bob   Smith<bob@example.com>')).toEqual(plain('bob@example.com', 'Bob Smith'));
    expect(one('John Q. Public <jqp@example.com>').name).toBe('John Q. Public');
    expect(one("O'Brien <ob@example.ie>").name).toBe("O'Brien");
    expect(one('Zoë Ångström <zoe@example.se>').name).toBe('Zoë Ångström');
    expect(one('bob.smith+tag@mail.example.co.uk').address).toBe('bob.smith+tag@mail.example.co.uk');
    expect(one('Bob@Example.COM')).toEqual({ ...plain('Bob@example.com') });
  });

  it('keeps quoted names whole: a comma inside quotes does not split', () => {
    const r = parseAddressList('"Doe, John" <j@x.example>, "Smith; Ann" <a@y.example>');
    expect(r.invalid).toEqual([]);
    expect(r.addresses.map((a) => [a.name, a.address])).toEqual([
      ['Doe, John', 'j@x.example'],
      ['Smith; Ann', 'a@y.example'],
    ]);
    expect(one('"Say \\"hi\\" \\\\ bye" <s@x.example>').name).toBe('Say "hi" \\ bye');
    expect(one('"Ann (work)" <ann@x.example>').name).toBe('Ann (work)');
    expect(one('"" <ann@x.example>').name).toBe('');
  });

  it('splits on commas, semicolons and line breaks, skipping empty entries', () => {
    const r = parseAddressList(' a@x.example; b@x.example,\nc@x.example\r\nd@x.example\r\re@x.example,, ;\n\nf@x.example ');
    expect(r.invalid).toEqual([]);
    expect(r.addresses.map((a) => a.address)).toEqual(['a', 'b', 'c', 'd', 'e', 'f'].map((l) => `${l}@x.example`));
  });

  it('takes groups: members become addresses, the name goes to groups', () => {
    const r = parseAddressList('Team: a@x.example, "B" <b@y.example>; c@z.example, undisclosed-recipients:;');
    expect(r.invalid).toEqual([]);
    expect(r.groups).toEqual(['Team', 'undisclosed-recipients']);
    expect(r.addresses.map(formatAddress)).toEqual(['a@x.example', 'B <b@y.example>', 'c@z.example']);
    expect(parseAddressList('undisclosed-recipients:;')).toEqual({ addresses: [], invalid: [], groups: ['undisclosed-recipients'] });
    expect(parseAddressList('"Project X, core": p@x.example,\n q@x.example;').groups).toEqual(['Project X, core']);
    // A group not closed by ";" ends with the text.
    expect(parseAddressList('Team: a@x.example, b@x.example')).toMatchObject({ groups: ['Team'], invalid: [] });
  });

  it('removes duplicates ignoring case, keeping the first as typed', () => {
    const r = parseAddressList('Bob <Bob@Example.com>, bob@example.com; BOB@EXAMPLE.COM, Team: bob@example.COM;');
    expect(r.invalid).toEqual([]);
    expect(r.addresses).toEqual([plain('Bob@example.com', 'Bob')]);
    const idn = parseAddressList('u@bücher.example, u@BÜCHER.example, u@xn--bcher-kva.example');
    expect(idn.addresses.map((a) => a.envelope)).toEqual(['u@xn--bcher-kva.example']);
  });

  it('shows IDN domains in Unicode and sends them in punycode', () => {
    expect(one('user@bücher.example')).toEqual({
      name: '',
      address: 'user@bücher.example',
      envelope: 'user@xn--bcher-kva.example',
      domain: 'bücher.example',
      needsSmtpUtf8: false,
    });
    expect(one('user@BÜCHER.Example').domain).toBe('bücher.example');
    expect(one('user@XN--BCHER-KVA.example').address).toBe('user@bücher.example');
    expect(one('user@xn--bcher-kva.example').envelope).toBe('user@xn--bcher-kva.example');
    expect(one('info@пример.рф')).toMatchObject({ envelope: 'info@xn--e1afmkfd.xn--p1ai', domain: 'пример.рф' });
    expect(one('info@xn--e1afmkfd.xn--p1ai').domain).toBe('пример.рф');
    expect(one('info@παράδειγμα.ελ').envelope).toBe('info@xn--hxajbheg2az3al.xn--qxam');
    expect(one('info@ΑΒΣ.ΕΛ')).toMatchObject({ domain: 'αβσ.ελ', envelope: 'info@xn--mxac5c.xn--qxam' });
    expect(one('info@例え.jp').envelope).toBe('info@xn--r8jz45g.jp');
    expect(one('info@сайт.com').domain).toBe('сайт.com');
    expect(one('x@faß.de').envelope).toBe('x@xn--fa-hia.de');
    // Decomposed input (u + combining diaeresis) is the same domain once normalised.
    expect(one('user@bu\u0308cher.example').envelope).toBe('user@xn--bcher-kva.example');
  });

  it('flags non-ASCII local parts as needing SMTPUTF8 and keeps them unchanged', () => {
    expect(one('José <josé@example.com>')).toEqual({
      name: 'José',
      address: 'josé@example.com',
      envelope: 'josé@example.com',
      domain: 'example.com',
      needsSmtpUtf8: true,
    });
    expect(one('用户@例子.广告')).toMatchObject({ envelope: '用户@xn--fsqu00a.xn--4rr70v', needsSmtpUtf8: true });
    expect(one('Δοκιμή@Παράδειγμα.ελ')).toMatchObject({ address: 'Δοκιμή@παράδειγμα.ελ', needsSmtpUtf8: true });
  });

  it('takes quoted local parts without @, unquoting the ones that need no quotes', () => {
    expect(one('"john"@example.com').address).toBe('john@example.com');
    expect(one('"john doe"@example.com')).toMatchObject({ address: '"john doe"@example.com', envelope: '"john doe"@example.com' });
    expect(one('"a,b"@example.com').address).toBe('"a,b"@example.com');
  });

  it('allows a display name that is the address itself', () => {
    expect(one('"bob@example.com" <bob@example.com>').name).toBe('bob@example.com');
    expect(one('"bob@bücher.example" <bob@xn--bcher-kva.example>').name).toBe('bob@bücher.example');
  });
});

describe('parseAddressList: refused forms', () => {
  const cases: Array<[string, AddressProblem['reason']]> = [
    // @ inside a quoted local part, or a name that looks like another address
    ['"a@evil.example"@good.example', 'quoted-at'],
    ['"a@evil.example" @good.example', 'quoted-at'],
    ['<"a@evil.example"@good.example>', 'quoted-at'],
    ['x."a@evil.example"@good.example', 'quoted-at'],
    ['"ceo@bank.example" <x@evil.example>', 'quoted-at'],
    ['"Bank <ceo@bank.example>" <x@evil.example>', 'quoted-at'],
    // comments, anywhere
    ['a@good.example(comment)', 'comment'],
    ['a@(x)evil.example', 'comment'],
    ['(x)a@good.example', 'comment'],
    ['a(x)@good.example', 'comment'],
    ['Bob (work) <bob@good.example>', 'comment'],
    ['<bob@good.example> (Bob)', 'comment'],
    ['<bob(x)@good.example>', 'comment'],
    ['a@good.example)', 'comment'],
    ['a@good.example (unclosed, b@x.example', 'comment'],
    ['Team (x): a@good.example;', 'comment'],
    // line breaks inside quotes or angle brackets
    ['"Doe\nJohn" <j@x.example>', 'line-break'],
    ['"Doe\r\nBcc: evil@x.example" <j@x.example>', 'line-break'],
    ['<j@x.example\n>', 'line-break'],
    ['<j\n@x.example>', 'line-break'],
    ['"a\nb"@x.example', 'line-break'],
    ['"Team\nX": a@x.example;', 'line-break'],
    ['Bob <bob@x.example\u2028>', 'line-break'],
    // source routes
    ['<@relay.example:a@good.example>', 'syntax'],
    ['Bob <@r1.example,@r2.example:a@good.example>', 'syntax'],
    // look-alike domains
    ['a@pаypal.com', 'mixed-script'], // Cyrillic а
    ['a@xn--pypal-4ve.com', 'mixed-script'], // the same, in punycode
    ['a@gοοgle.com', 'mixed-script'], // Greek ο
    ['a@mail.pаypal.com', 'mixed-script'],
    ['a@аррӏе.com', 'mixed-script'], // all Cyrillic, all look-alikes, Latin ending
    ['a@ехаmрlе.com', 'mixed-script'],
    ['a@пример.соm', 'mixed-script'], // Cyrillic "со" + Latin "m"
    ['a@αβγ-где.example', 'mixed-script'], // Greek with Cyrillic
    // IP literals and broken domains
    ['a@[1.2.3.4]', 'invalid-domain'],
    ['a@[IPv6:::1]', 'invalid-domain'],
    ['Bob <a@[192.0.2.1]>', 'invalid-domain'],
    ['a@localhost', 'invalid-domain'],
    ['a@example', 'invalid-domain'],
    ['a@1.2.3.4', 'invalid-domain'],
    ['a@0x7f.1', 'invalid-domain'],
    ['a@example.123', 'invalid-domain'],
    ['a@-example.com', 'invalid-domain'],
    ['a@example-.com', 'invalid-domain'],
    ['a@ex--ample.com', 'invalid-domain'],
    ['a@ex_ample.com', 'invalid-domain'],
    ['a@.example.com', 'invalid-domain'],
    ['a@example.com.', 'invalid-domain'],
    ['a@example..com', 'invalid-domain'],
    ['a@a%2Eevil.com', 'invalid-domain'],
    ['a@evil.com/good.com', 'invalid-domain'],
    ['a@good.com\\evil.com', 'invalid-domain'],
    ['a@ｅxample.com', 'invalid-domain'], // full-width e, silently mapped by IDNA
    ['a@example。com', 'invalid-domain'], // ideographic full stop
    ['a@exam\u00adple.com', 'invalid-domain'], // soft hyphen, silently removed by IDNA
    ['a@exa\u200dmple.com', 'invalid-domain'],
    ['a@xn--abc-.com', 'invalid-domain'], // punycode that decodes to plain ASCII
    ['a@xn--zz.com', 'invalid-domain'],
    ['a@xn--9ae.com', 'invalid-domain'], // punycode for "£¥"
    ['a@b:c.example', 'syntax'], // a "group" named a@b
    ['a@[1,2]', 'invalid-domain'],
    [`a@${'x'.repeat(64)}.com`, 'invalid-domain'],
    // too long
    [`${'l'.repeat(65)}@example.com`, 'too-long'],
    [`${'l'.repeat(60)}@${Array.from({ length: 4 }, () => 'd'.repeat(50)).join('.')}.com`, 'too-long'],
    [`${'l'.repeat(64)}@${Array.from({ length: 3 }, () => 'd'.repeat(62)).join('.')}.com`, 'too-long'],
    [`"${'n'.repeat(3000)}" <a@example.com>`, 'too-long'],
    // groups without a name
    [': a@x.example;', 'empty-group'],
    [':;', 'empty-group'],
    // plain syntax errors
    ['not an address', 'syntax'],
    ['x@', 'syntax'],
    ['@example.com', 'syntax'],
    ['a@b@example.com', 'syntax'],
    ['a b@example.com', 'syntax'],
    ['.a@example.com', 'syntax'],
    ['a..b@example.com', 'syntax'],
    ['a.@example.com', 'syntax'],
    ['a＠evil.example@good.example', 'syntax'],
    ['"unclosed <a@example.com>', 'syntax'],
    ['Bob <a@example.com', 'syntax'],
    ['Bob a@example.com>', 'syntax'],
    ['Bob <a@example.com> Smith', 'syntax'],
    ['<>', 'syntax'],
    ['Bob <a@x.example> <b@y.example>', 'syntax'],
    ['Bob@home <a@example.com>', 'syntax'],
    ['[Bob] <a@example.com>', 'syntax'],
    ['a\u0000@example.com', 'syntax'],
    ['Bob\u202e <a@example.com>', 'syntax'],
    ['a\u202e@example.com', 'syntax'],
    ['"a\u200bb"@example.com', 'syntax'],
    ['Team: Sub: a@x.example;', 'syntax'],
    ['Bcc: evil@x.example', 'syntax'],
    ['bcc: evil@x.example;', 'syntax'],
    ['<a@x.example>: b@y.example;', 'syntax'],
  ];

  it.each(cases)('refuses %j as %s', (text, reason) => {
    const p = refused(text);
    expect(p.reason).toBe(reason);
    expect(text).toContain(p.text);
    expect(p.message.length).toBeGreaterThan(20);
    expect(p.message).not.toMatch(/[\r\n\u202e]/);
    expect(p.message).not.toContain('\u0000');
  });

  it('reports a broken entry and still reads the others, producing nothing from the broken one', () => {
    const r = parseAddressList('ok@x.example, "a@evil.example"@good.example\nalso@y.example; a@good.example(evil.example)');
    expect(r.addresses.map((a) => a.address)).toEqual(['ok@x.example', 'also@y.example']);
    expect(r.invalid.map((p) => p.reason)).toEqual(['quoted-at', 'comment']);
    expect(r.addresses.some((a) => a.domain.includes('evil') || a.domain.includes('good'))).toBe(false);
  });

  it('treats a line break between addresses as a separator, and a pasted header line as an error', () => {
    const r = parseAddressList('a@b.example\r\nBcc: evil@x.example');
    expect(r.addresses.map((a) => a.address)).toEqual(['a@b.example']);
    expect(r.invalid).toMatchObject([{ reason: 'syntax', text: 'Bcc: evil@x.example' }]);
    expect(r.groups).toEqual([]);
  });

  it('explains a name with an unquoted comma', () => {
    const r = parseAddressList('Doe, John <j@x.example>');
    expect(r.addresses.map(formatAddress)).toEqual(['John <j@x.example>']);
    expect(r.invalid).toMatchObject([{ text: 'Doe', reason: 'syntax' }]);
    expect(r.invalid[0]!.message).toContain('"Doe, John" <john@example.com>');
  });

  it('tells where a quoted @ would really go', () => {
    expect(refused('"a@evil.example"@good.example').message).toContain('“good.example”');
    expect(refused('"ceo@bank.example" <x@evil.example>').message).toContain('x@evil.example');
    expect(refused('a@ｅxample.com').message).toContain('“example.com”');
  });
});

describe('formatAddress', () => {
  it('quotes names only when needed', () => {
    const a = plain('j@x.example');
    expect(formatAddress(a)).toBe('j@x.example');
    expect(formatAddress({ ...a, name: 'John Doe' })).toBe('John Doe <j@x.example>');
    expect(formatAddress({ ...a, name: 'Zoë 李' })).toBe('Zoë 李 <j@x.example>');
    expect(formatAddress({ ...a, name: 'Doe, John' })).toBe('"Doe, John" <j@x.example>');
    expect(formatAddress({ ...a, name: 'John Q. Public' })).toBe('"John Q. Public" <j@x.example>');
    expect(formatAddress({ ...a, name: 'Say "hi" \\o/' })).toBe('"Say \\"hi\\" \\\\o/" <j@x.example>');
    expect(formatAddress({ ...a, name: 'a  b' })).toBe('"a  b" <j@x.example>');
    expect(formatAddress({ ...a, name: 'Evil\r\nBcc: x@y.example' })).not.toMatch(/[\r\n]/);
    expect(formatAddress({ ...a, name: '  ' })).toBe('j@x.example');
  });

  it('round-trips through parseAddressList', () => {
    const inputs = [
      'bob@example.com',
      'Bob <bob@example.com>',
      '"Doe, John" <j@x.example>',
      '"Say \\"hi\\" \\\\ bye" <s@x.example>',
      'John Q. Public <jqp@example.com>',
      '"a  b" <ab@example.com>',
      'José <josé@bücher.example>',
      '"john doe"@example.com',
      'Team: "A; B" <ab@пример.рф>;',
      '"bob@example.com" <bob@example.com>',
      '"x:y" <xy@example.com>',
    ];
    for (const input of inputs) {
      const a = one(input);
      expect(parseAddressList(formatAddress(a)), input).toEqual({ addresses: [a], invalid: [], groups: [] });
    }
  });
});

describe('isEnvelopeAddress (for main)', () => {
  it('accepts exactly the envelopes the parser produces', () => {
    for (const e of ['bob@example.com', 'user@xn--bcher-kva.example', 'josé@example.com', 'Bob@example.com', '"john doe"@example.com']) {
      expect(isEnvelopeAddress(e), e).toBe(true);
    }
    for (const e of [
      'user@bücher.example', // Unicode domain: the envelope carries punycode
      'user@EXAMPLE.com',
      'Bob <bob@example.com>',
      '<bob@example.com>',
      ' bob@example.com',
      'bob@example.com, eve@example.org',
      'bob@example.com\r\n',
      '"john"@example.com',
      '"a@evil.example"@good.example',
      'a@pаypal.com',
      'a@[1.2.3.4]',
      'Team: bob@example.com;',
      '',
    ]) {
      expect(isEnvelopeAddress(e), e).toBe(false);
    }
  });
});

describe('punycodeDecode (RFC 3492)', () => {
  // RFC 3492 section 7.1 sample strings.
  const vectors: Array<[string, string]> = [
    ['egbpdaj6bu4bxfgehfvwxn', 'ليهمابتكلموشعربي؟'],
    ['ihqwcrb4cv8a8dqg056pqjye', '他们为什么不说中文'],
    ['ihqwctvzc91f659drss3x8bo0yb', '他們爲什麽不說中文'],
    ['Proprostnemluvesky-uyb24dma41a', 'Pročprostěnemluvíčesky'],
    ['4dbcagdahymbxekheh6e0a7fei0b', 'למההםפשוטלאמדבריםעברית'],
    ['i1baa7eci9glrd9b2ae1bj0hfcgg6iyaf8o0a1dig0cd', 'यहलोगहिन्दीक्योंनहींबोलसकतेहैं'],
    ['n8jok5ay5dzabd5bym9f0cm5685rrjetr6pdxa', 'なぜみんな日本語を話してくれないのか'],
    ['989aomsvi5e83db1d2a355cv1e0vak1dwrv93d5xbh15a0dt30a5jpsd879ccm6fea98c', '세계의모든사람들이한국어를이해한다면얼마나좋을까'],
    ['b1abfaaepdrnnbgefbadotcwatmq2g4l', 'почемужеонинеговорятпорусски'],
    ['PorqunopuedensimplementehablarenEspaol-fmd56a', 'PorquénopuedensimplementehablarenEspañol'],
    ['TisaohkhngthchnitingVit-kjcr8268qyxafd2f1b9g', 'TạisaohọkhôngthểchỉnóitiếngViệt'],
    ['3B-ww4c5e180e575a65lsy2b', '3年B組金八先生'],
    ['-with-SUPER-MONKEYS-pc58ag80a8qai00g7n9n', '安室奈美恵-with-SUPER-MONKEYS'],
    ['Hello-Another-Way--fc4qua05auwb3674vfr0b', 'Hello-Another-Way-それぞれの場所'],
    ['2-u9tlzr9756bt3uc0v', 'ひとつ屋根の下2'],
    ['MajiKoi5-783gue6qz075azm5e', 'MajiでKoiする5秒前'],
    ['de-jg4avhby1noc0d', 'パフィーdeルンバ'],
    ['d9juau41awczczp', 'そのスピードで'],
    ['-> $1.00 <--', '-> $1.00 <-'],
    ['bcher-kva', 'bücher'],
  ];

  it.each(vectors)('decodes %j', (encoded, decoded) => {
    expect(punycodeDecode(encoded)).toBe(decoded);
  });

  it('refuses invalid input', () => {
    for (const bad of ['ü-abc', 'abc!', '-abc', 'zzzzzzzzzzzzzzzzzzzz', '99999999999a', 'a-']) {
      expect(punycodeDecode(bad) === null || bad === 'a-', bad).toBe(true);
    }
    expect(punycodeDecode('a-')).toBe('a');
    expect(punycodeDecode('')).toBe('');
  });

  it('agrees with Node over random Unicode labels', () => {
    const rnd = prng(7);
    const alphabets = [LATIN_EXT, CYRILLIC, GREEK, CJK, ARABIC, DEVANAGARI, 'abcdefghijklmnopqrstuvwxyz0123456789'];
    let checked = 0;
    for (let n = 0; n < 3000; n++) {
      const label = Array.from({ length: 1 + Math.floor(rnd() * 12) }, () => pickChar(rnd, pick(rnd, alphabets))).join('');
      const ascii = domainToASCII(`${label}.example`).split('.')[0]!;
      if (!ascii.startsWith('xn--')) continue;
      expect(punycodeDecode(ascii.slice(4)), label).toBe(domainToUnicode(`${ascii}.example`).split('.')[0]);
      checked++;
    }
    expect(checked).toBeGreaterThan(1000);
  });
});

// ---------------------------------------------------------------------------------------------------
// Generated inputs.

const LATIN_EXT = 'abcdefghijklmnopqrstuvwxyzàáâãäåæçèéêëìíîïñòóôõöøùúûüýÿßœšžłđ';
const CYRILLIC = 'абвгдежзийклмнопрстуфхцчшщыэюя';
const GREEK = 'αβγδεζηθικλμνξοπρστυφχψω';
const CJK = '中文例子测试网络公司日本語東京';
const ARABIC = 'ابتثجحخدذرزسشصضطظعغفقكلمنهوي';
const DEVANAGARI = 'कखगघचछजझटठडढणतथदधनपफबभमयरलवशसह';

function prng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const pick = <T,>(rnd: () => number, items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
const pickChar = (rnd: () => number, alphabet: string) => pick(rnd, [...alphabet]);
const word = (rnd: () => number, alphabet: string, min = 1, max = 8) =>
  Array.from({ length: min + Math.floor(rnd() * (max - min + 1)) }, () => pickChar(rnd, alphabet)).join('');

/** A domain that must be accepted: labels in one script each, with an ending that fits the script. */
function benignDomain(rnd: () => number): string {
  const kind = Math.floor(rnd() * 6);
  const ascii = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const labels: string[] = [];
  const n = 1 + Math.floor(rnd() * 2);
  for (let k = 0; k < n; k++) {
    if (kind === 0) labels.push(word(rnd, 'abcdefghijklmnopqrstuvwxyz') + (rnd() < 0.3 ? `-${word(rnd, ascii)}` : ''));
    else if (kind === 1) labels.push(word(rnd, LATIN_EXT));
    else if (kind === 2) labels.push(`${word(rnd, CYRILLIC, 1, 5)}д`); // д keeps it from being all look-alikes
    else if (kind === 3) labels.push(`${word(rnd, GREEK, 1, 5)}λ`);
    else if (kind === 4) labels.push(word(rnd, CJK, 1, 4));
    else labels.push(word(rnd, ARABIC, 2, 6));
  }
  const tld = kind === 2 ? pick(rnd, ['рф', 'com', 'бг']) : kind === 3 ? pick(rnd, ['ελ', 'gr']) : kind === 4 ? pick(rnd, ['中国', 'jp', 'com']) : pick(rnd, ['com', 'org', 'example', 'de']);
  labels.push(tld);
  // Typed in Unicode, in punycode, label by label, or with random case.
  return labels
    .map((label) => {
      const r = rnd();
      if (r < 0.25) return domainToASCII(`${label}.example`).split('.')[0]!.toUpperCase();
      if (r < 0.4) return label.toUpperCase();
      return label;
    })
    .join('.');
}

function benignLocal(rnd: () => number): string {
  const r = rnd();
  if (r < 0.6) return [word(rnd, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-')].concat(rnd() < 0.3 ? [word(rnd, 'abc123')] : []).join('.');
  if (r < 0.8) return word(rnd, LATIN_EXT + CJK + GREEK, 1, 6);
  return `"${word(rnd, 'abc ,;:<>()[]', 1, 6).replace(/^ | $/g, 'x')}"`;
}

function benignName(rnd: () => number): string {
  const parts = ['John', 'Doe,', "O'Brien", 'Zoë', '李雷', 'Ann-Marie', 'Q.', 'say "hi"', 'back\\slash', 'Dr', '(work)', 'Ελένη', 'x:y', 'a;b'];
  const words = Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pick(rnd, parts));
  return words.join(' ');
}

const quoteName = (name: string) => (/^[\p{L}\p{N}' -]+$/u.test(name) ? name : `"${name.replace(/[\\"]/g, '\\$&')}"`);

interface Generated {
  text: string;
  envelopes: Set<string>;
  groups: string[];
}

function benignList(rnd: () => number, count: number): Generated {
  const envelopes = new Set<string>();
  const groups: string[] = [];
  const entries: string[] = [];
  let k = 0;
  while (k < count) {
    const mailbox = () => {
      const local = benignLocal(rnd);
      const domain = benignDomain(rnd);
      const addr = `${local}@${domain}`;
      const lowerLocal = local.startsWith('"') && /^"[a-z0-9]+"$/i.test(local) ? local.slice(1, -1) : local;
      envelopes.add(`${lowerLocal}@${domainToASCII(domain)}`.toLowerCase());
      k++;
      const r = rnd();
      if (r < 0.4) return addr;
      if (r < 0.5) return `<${addr}>`;
      return `${quoteName(benignName(rnd))} <${addr}>`;
    };
    if (rnd() < 0.1) {
      const name = `Group ${groups.length + 1}`;
      groups.push(name);
      const members = Array.from({ length: Math.floor(rnd() * 4) }, mailbox);
      entries.push(`${name}: ${members.join(pick(rnd, [', ', ',\n ', ',']))};`);
    } else entries.push(mailbox());
  }
  let text = '';
  entries.forEach((e, i) => {
    text += e;
    if (i < entries.length - 1) text += e.endsWith(';') && rnd() < 0.5 ? ' ' : pick(rnd, [', ', ';', '\n', ',\n', ' ; ', '\r\n', ',']);
  });
  return { text, envelopes, groups };
}

const HOSTILE = ['"', '(', ')', '<', '>', '@', ',', ';', ':', '\\', '[', ']', '.', ' ', '\n', '\r', '\t', 'а', 'ο', '＠', '\u202e', '\u00ad', '\u200d', 'ｅ', '%', '/', '-', 'xn--', '\u0000'];

function mutate(rnd: () => number, text: string): string {
  let s = text;
  const n = 1 + Math.floor(rnd() * 4);
  for (let m = 0; m < n; m++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const r = rnd();
    if (r < 0.6) s = s.slice(0, at) + pick(rnd, HOSTILE) + s.slice(at);
    else if (r < 0.8) s = s.slice(0, at) + s.slice(at + 1);
    else s = s.slice(0, at) + s.slice(at, at + 12) + s.slice(at);
  }
  return s;
}

/** What must hold for every address the parser produces, whatever the input. */
function checkInvariants(a: ParsedAddress, input: string) {
  const at = a.envelope.lastIndexOf('@');
  const local = a.envelope.slice(0, at);
  const asciiDomain = a.envelope.slice(at + 1);
  // The envelope domain decodes to exactly the domain shown, and the shown domain encodes back to it.
  expect(asciiDomain).toMatch(/^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:[a-z]{2,}|xn--[a-z0-9-]+)$/);
  expect(domainToUnicode(asciiDomain)).toBe(a.domain);
  expect(new URL(`http://${a.domain}/`).hostname).toBe(asciiDomain);
  expect(a.address).toBe(`${local}@${a.domain}`);
  expect(a.domain).toBe(a.domain.toLowerCase());
  expect(a.needsSmtpUtf8).toBe(/[^\p{ASCII}]/u.test(local));
  // Nothing anyone cannot see or that could break a header.
  for (const field of [a.name, a.address, a.envelope]) expect(field).not.toMatch(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u);
  expect(new TextEncoder().encode(a.envelope).length).toBeLessThanOrEqual(254);
  // Every label of the domain was typed (in Unicode or in punycode, any case).
  const typed = input.normalize('NFC').toLowerCase();
  const asciiLabels = asciiDomain.split('.');
  a.domain.split('.').forEach((label, k) => {
    expect(typed.includes(label) || typed.includes(asciiLabels[k]!), `${label} in ${JSON.stringify(input)}`).toBe(true);
  });
  // And formatting it gives back exactly this address.
  expect(parseAddressList(formatAddress(a))).toEqual({ addresses: [a], invalid: [], groups: [] });
}

describe('generated inputs', () => {
  it('accepts every generated valid list exactly, and the envelope domain always decodes to the shown domain', { timeout: 60_000 }, () => {
    const rnd = prng(20240611);
    let total = 0;
    for (let n = 0; n < 400; n++) {
      const g = benignList(rnd, 1 + Math.floor(rnd() * 8));
      const r = parseAddressList(g.text);
      expect(r.invalid, g.text).toEqual([]);
      expect(new Set(r.addresses.map((a) => a.envelope.toLowerCase())), g.text).toEqual(g.envelopes);
      expect(r.groups).toEqual(g.groups);
      for (const a of r.addresses) checkInvariants(a, g.text);
      total += r.addresses.length;
    }
    expect(total).toBeGreaterThan(1000);
  });

  it('never throws on mangled input, and whatever it accepts keeps the invariants', { timeout: 60_000 }, () => {
    const rnd = prng(99);
    let accepted = 0;
    let refusedCount = 0;
    for (let n = 0; n < 3000; n++) {
      const text = mutate(rnd, benignList(rnd, 1 + Math.floor(rnd() * 4)).text);
      const r = parseAddressList(text);
      for (const a of r.addresses) checkInvariants(a, text);
      for (const p of r.invalid) {
        expect(p.message).not.toMatch(/[\r\n]/);
        expect(text).toContain(p.text);
      }
      accepted += r.addresses.length;
      refusedCount += r.invalid.length;
    }
    expect(accepted).toBeGreaterThan(1000);
    expect(refusedCount).toBeGreaterThan(1000);
  });

  it('parses a Bcc list of 500 addresses quickly', () => {
    // Every run uses 500 domains not seen before (the parser remembers checked domains), 1 in 5 IDN.
    const bcc = (run: number) =>
      Array.from({ length: 500 }, (_, i) => {
        const domain = i % 5 === 0 ? `bücher-${run}-${i}.example` : `host-${run}-${i}.example.com`;
        return i % 2 ? `"Person ${i}, Team" <p${i}@${domain}>` : `p${i}@${domain}`;
      }).join(',\n');
    const time = (list: string) => {
      const t0 = performance.now();
      const r = parseAddressList(list);
      const ms = performance.now() - t0;
      expect(r.invalid).toEqual([]);
      expect(r.addresses).toHaveLength(500);
      return ms;
    };
    const fresh = Array.from({ length: 6 }, (_, run) => time(bcc(run)));
    const again = Array.from({ length: 3 }, () => time(bcc(0)));
    const ms = (ts: number[]) => ts.map((t) => t.toFixed(1)).join(', ');
    console.log(`parseAddressList, 500 addresses (${bcc(0).length} characters): new domains ${ms(fresh)} ms; same list again ${ms(again)} ms`);
  });
});
