import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAttachmentRegistry, createDroppedFiles, safeFileName } from '../../src-main/services/attachments';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailwright-attach-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('dropped files', () => {
  it('arrive byte for byte in chunks and become attachments', async () => {
    const registry = createAttachmentRegistry();
    const dropped = createDroppedFiles(dir, registry);
    const content = Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 251));
    const upload = await dropped.begin('Über/../../secret.bin', content.length);
    expect(await dropped.chunk(upload, content.subarray(0, 1000))).toBe(1000);
    expect(await dropped.chunk(upload, content.subarray(1000))).toBe(3000);
    const ref = await dropped.end(upload);
    expect(ref).toMatchObject({ name: 'secret.bin', size: 3000 });
    const file = registry.resolve(ref!.token)!;
    expect(file.path.startsWith(dir)).toBe(true);
    expect(readFileSync(file.path).equals(content)).toBe(true);
  });

  it('refuses more data than announced, and an incomplete file', async () => {
    const dropped = createDroppedFiles(dir, createAttachmentRegistry());
    const upload = await dropped.begin('a.txt', 3);
    await expect(dropped.chunk(upload, Buffer.from('abcd'))).rejects.toThrow();
    const short = await dropped.begin('b.txt', 10);
    await dropped.chunk(short, Buffer.from('abc'));
    expect(await dropped.end(short)).toBeUndefined();
    await expect(dropped.chunk('no-such-upload', Buffer.from('x'))).rejects.toThrow();
  });

  it('makes file names safe to create', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('C:\\\\Users\\\\x\\\\report.pdf')).toBe('report.pdf');
    expect(safeFileName('a\u0000b\nc?.txt')).toBe('a_b_c_.txt');
    expect(safeFileName('...')).toBe('attachment');
    expect(safeFileName('Übersicht Q3.txt')).toBe('Übersicht Q3.txt');
  });
});
