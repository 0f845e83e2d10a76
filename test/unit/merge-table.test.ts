import { describe, expect, it } from 'vitest';
import { checkRows, decodeTable, parseTable } from '../../shared/merge/table';

const utf8 = (s: string) => new TextEncoder().encode(s);
const utf16le = (s: string, bom = true) => {
  const b = Buffer.from(s, 'utf16le');
  return new Uint8Array(bom ? Buffer.concat([Buffer.from([0xff, 0xfe]), b]) : b);
};
const utf16be = (s: string) => {
  const le = Buffer.from(s, 'utf16le');
  for (let i = 0; i < le.length; i += 2) [le[i], le[i + 1]] = [le[i + 1]!, le[i]!];
  return new Uint8Array(Buffer.concat([Buffer.from([0xfe, 0xff]), le]));
};

describe('reading a mail merge’s data', () => {
  it('decodes UTF-8 with and without BOM, UTF-16 both ways (with or without BOM), and Windows-1252', () => {
    const text = 'Name,Email\nRenée Zoë,renee@example.org\n';
    expect(decodeTable(utf8(text))).toEqual({ text, encoding: 'utf-8' });
    expect(decodeTable(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)]))).toEqual({ text, encoding: 'utf-8-bom' });
    expect(decodeTable(utf16le(text))).toEqual({ text, encoding: 'utf-16le' });
    expect(decodeTable(utf16le(text, false))).toEqual({ text, encoding: 'utf-16le' });
    expect(decodeTable(utf16be(text))).toEqual({ text, encoding: 'utf-16be' });
    // Excel on Windows: é is 0xE9, the euro sign 0x80.
    const cp1252 = new Uint8Array([...utf8('Name,Price\nRen'), 0xe9, ...utf8(',5 '), 0x80, 0x0a]);
    expect(decodeTable(cp1252)).toEqual({ text: 'Name,Price\nRené,5 €\n', encoding: 'windows-1252' });
    // The BOM never ends up in the first column's name.
    expect(parseTable(new Uint8Array([0xef, 0xbb, 0xbf, ...utf8(text)])).columns).toEqual(['Name', 'Email']);
  });

  it('keeps quoted fields whole: commas, doubled quotes and line breaks inside quotes', () => {
    const t = parseTable(utf8('Name,Email,Note\r\n"Smith, Ann",ann@example.org,"She said ""yes""\nthen left"\r\nBob,bob@example.org,\r\n'));
    expect(t.delimiter).toBe(',');
    expect(t.rows).toEqual([
      { row: 2, values: { Name: 'Smith, Ann', Email: 'ann@example.org', Note: 'She said "yes"\nthen left' } },
      { row: 3, values: { Name: 'Bob', Email: 'bob@example.org', Note: '' } },
    ]);
    expect(t.ragged).toEqual([]);
  });

  it('finds the delimiter (semicolon, tab), names empty and repeated headers, and notes ragged rows', () => {
    expect(parseTable(utf8('Name;Email\nAnn;ann@example.org\n')).delimiter).toBe(';');
    const tsv = parseTable(utf8('Name\tEmail\t\tName\nAnn\tann@example.org\tx\tA.\nBob\tbob@example.org\n'));
    expect(tsv.delimiter).toBe('\t');
    expect(tsv.columns).toEqual(['Name', 'Email', 'Column 3', 'Name (2)']);
    expect(tsv.ragged).toEqual([3]);
    expect(tsv.rows[1]!.values).toEqual({ Name: 'Bob', Email: 'bob@example.org', 'Column 3': '', 'Name (2)': '' });
    expect(parseTable(utf8('')).rows).toEqual([]);
  });
});

describe('which rows can be sent', () => {
  it('leaves out, with the reason, a bad or look-alike address, a missing one, several in one cell, an empty required field and a duplicate', () => {
    const t = parseTable(
      utf8(
        [
          'FirstName,Email',
          'Ann,ann@example.org',
          'Bad,not an address',
          // Cyrillic "а" in the domain: a look-alike of example.org.
          'Mallory,pay@ex\u0430mple.org',
          'Nobody,',
          'Two,"a@example.org, b@example.org"',
          ',carl@example.org',
          'Ann again,ANN@example.org',
          'Dan,dan@example.org',
        ].join('\n'),
      ),
    );
    const checked = checkRows(t, { addressColumn: 'Email', required: ['FirstName'] });
    expect(checked.good.map((g) => [g.row, g.recipient.address])).toEqual([
      [2, 'ann@example.org'],
      [9, 'dan@example.org'],
    ]);
    expect(checked.left.map((l) => [l.row, l.problems.map((p) => p.kind)])).toEqual([
      [3, ['bad-address']],
      [4, ['look-alike']],
      [5, ['no-address']],
      [6, ['several-addresses']],
      [7, ['empty']],
      [8, ['duplicate']],
    ]);
    expect(checked.left.find((l) => l.row === 8)!.problems[0]).toEqual({ kind: 'duplicate', firstRow: 2 });
    expect(checked.left.find((l) => l.row === 7)!.problems[0]).toEqual({ kind: 'empty', column: 'FirstName' });
  });
});
