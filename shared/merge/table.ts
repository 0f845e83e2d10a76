/**
 * A mail merge's data (issue 14): a CSV or TSV file as bytes, decoded (UTF-8 with or without BOM,
 * UTF-16 either way round, Windows-1252 when the bytes are not UTF-8), split into rows by PapaParse
 * (quoted fields, newlines inside quotes, the delimiter guessed among comma, semicolon, tab and bar),
 * the first row naming the columns. Then each row checked: exactly one good address in the address
 * column (the one address parser of shared/addresses.ts: a look-alike address is refused as a typed one
 * would be), the required columns filled, no second row for the same address. Rows that fail are
 * listed with the reason and left out: never sent.
 *
 * Shared and pure (TextDecoder and PapaParse run in Node and in the renderer).
 */
import Papa from 'papaparse';
import { parseAddressList, type ParsedAddress } from '../addresses';

export type TableEncoding = 'utf-8' | 'utf-8-bom' | 'utf-16le' | 'utf-16be' | 'windows-1252';

export interface DataTable {
  encoding: TableEncoding;
  /** The delimiter PapaParse found. */
  delimiter: string;
  /** Column names from the first row: trimmed; an empty one is "Column N", a repeated one gets " (2)". */
  columns: string[];
  /** Each data row by column name, with its line in the file's row count (the header is row 1). */
  rows: Array<{ row: number; values: Record<string, string> }>;
  /** Rows whose number of fields differs from the header's (missing fields are empty, extra ones ignored). */
  ragged: number[];
}

/**
 * Windows-1252 by hand: Node's TextDecoder('windows-1252') decodes as ISO-8859-1 (0x80 comes out as a
 * control character, not "€"), so the 32 code points where the two differ are mapped here (WHATWG's
 * index; the five unassigned bytes stay as they are).
 */
const CP1252_HIGH = [
  0x20ac, 0x81, 0x201a, 0x192, 0x201e, 0x2026, 0x2020, 0x2021, 0x2c6, 0x2030, 0x160, 0x2039, 0x152, 0x8d, 0x17d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x2dc, 0x2122, 0x161, 0x203a, 0x153, 0x9d, 0x17e, 0x178,
];
function decodeWindows1252(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 8192) {
    const codes = Array.from(bytes.subarray(i, i + 8192), (b) => (b >= 0x80 && b < 0xa0 ? CP1252_HIGH[b - 0x80]! : b));
    out += String.fromCharCode(...codes);
  }
  return out;
}

/** The text of the file and how it was written. */
export function decodeTable(bytes: Uint8Array): { text: string; encoding: TableEncoding } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: new TextDecoder('utf-8').decode(bytes.subarray(3)), encoding: 'utf-8-bom' };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder('utf-16le').decode(bytes.subarray(2)), encoding: 'utf-16le' };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder('utf-16be').decode(bytes.subarray(2)), encoding: 'utf-16be' };
  // UTF-16 without a BOM: text in the Latin range has a zero in every other byte.
  const sample = bytes.subarray(0, 4096);
  let evenZeros = 0;
  let oddZeros = 0;
  for (let i = 0; i < sample.length; i++) {
    if (sample[i] !== 0) continue;
    if (i % 2) oddZeros++;
    else evenZeros++;
  }
  if (sample.length >= 4 && oddZeros > sample.length / 4 && evenZeros === 0) return { text: new TextDecoder('utf-16le').decode(bytes), encoding: 'utf-16le' };
  if (sample.length >= 4 && evenZeros > sample.length / 4 && oddZeros === 0) return { text: new TextDecoder('utf-16be').decode(bytes), encoding: 'utf-16be' };
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf-8' };
  } catch {
    // Not UTF-8: what spreadsheets on Windows write by default.
    return { text: decodeWindows1252(bytes), encoding: 'windows-1252' };
  }
}

function columnNames(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    const base = raw.trim() || `Column ${i + 1}`;
    const n = (seen.get(base.toLowerCase()) ?? 0) + 1;
    seen.set(base.toLowerCase(), n);
    return n === 1 ? base : `${base} (${n})`;
  });
}

/** The file's rows by column; a file with no rows (or only a header) has none. */
export function parseTable(bytes: Uint8Array): DataTable {
  const { text, encoding } = decodeTable(bytes);
  const parsed = Papa.parse<string[]>(text, { header: false, skipEmptyLines: 'greedy', delimitersToGuess: [',', ';', '\t', '|'] });
  const [header = [], ...data] = parsed.data;
  const columns = columnNames(header);
  const ragged: number[] = [];
  const rows = data.map((fields, i) => {
    const row = i + 2;
    if (fields.length !== columns.length) ragged.push(row);
    const values: Record<string, string> = {};
    columns.forEach((c, k) => (values[c] = fields[k] ?? ''));
    return { row, values };
  });
  return { encoding, delimiter: parsed.meta.delimiter, columns, rows, ragged };
}

export type RowProblem =
  | { kind: 'no-address' }
  | { kind: 'bad-address'; text: string; message: string }
  | { kind: 'look-alike'; text: string; message: string }
  | { kind: 'several-addresses'; count: number }
  | { kind: 'duplicate'; firstRow: number }
  | { kind: 'empty'; column: string };

export interface CheckedRows {
  /** Rows to send: each with its one recipient. */
  good: Array<{ row: number; values: Record<string, string>; recipient: ParsedAddress }>;
  /** Rows left out, with every reason, in file order. */
  left: Array<{ row: number; problems: RowProblem[] }>;
}

/** Which rows can be sent: one good address in `addressColumn`, every `required` column filled, the address not already used. */
export function checkRows(table: DataTable, options: { addressColumn: string; required?: readonly string[] }): CheckedRows {
  const good: CheckedRows['good'] = [];
  const left: CheckedRows['left'] = [];
  const firstRowOf = new Map<string, number>();
  for (const { row, values } of table.rows) {
    const problems: RowProblem[] = [];
    const cell = (values[options.addressColumn] ?? '').trim();
    let recipient: ParsedAddress | undefined;
    if (!cell) problems.push({ kind: 'no-address' });
    else {
      const list = parseAddressList(cell);
      for (const bad of list.invalid) problems.push({ kind: bad.reason === 'mixed-script' ? 'look-alike' : 'bad-address', text: bad.text, message: bad.message });
      if (!list.invalid.length && list.addresses.length > 1) problems.push({ kind: 'several-addresses', count: list.addresses.length });
      if (!list.invalid.length && list.addresses.length === 1) recipient = list.addresses[0];
    }
    for (const column of options.required ?? []) if (column !== options.addressColumn && !(values[column] ?? '').trim()) problems.push({ kind: 'empty', column });
    if (recipient && !problems.length) {
      const key = recipient.envelope.toLowerCase();
      const first = firstRowOf.get(key);
      if (first !== undefined) problems.push({ kind: 'duplicate', firstRow: first });
      else firstRowOf.set(key, row);
    }
    if (problems.length || !recipient) left.push({ row, problems });
    else good.push({ row, values, recipient });
  }
  return { good, left };
}
