/**
 * Byte-level line framing for every line protocol (SMTP, IMAP, POP3): lines end with CRLF (a bare
 * LF from a sloppy server is accepted). Works on Buffers so bodies stay byte-exact, and on input
 * split at any byte boundary (a multi-byte character split across packets cannot break a line).
 * Pure and synchronous: the socket feeds it whatever arrives.
 */

const LF = 0x0a;
const CR = 0x0d;

/** Accumulates received bytes and hands out complete lines (including their line ending). */
export class LineBuffer {
  /** Received chunks; those before `head` are consumed, `chunks[head]` may be partly consumed. */
  private chunks: Buffer[] = [];
  private head = 0;
  private total = 0;
  /** Chunks from `head` on already searched for LF without finding one: each byte is searched once. */
  private scanned = 0;

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Bytes received and not yet handed out as lines. */
  get length(): number {
    return this.total;
  }

  /** The next complete line including its LF (and CR, if any), or null if none is complete yet. */
  shift(): Buffer | null {
    for (let i = this.head + this.scanned; i < this.chunks.length; i++) {
      const chunk = this.chunks[i]!;
      const at = chunk.indexOf(LF);
      if (at === -1) {
        this.scanned++;
        continue;
      }
      const parts = this.chunks.slice(this.head, i);
      parts.push(chunk.subarray(0, at + 1));
      const rest = chunk.subarray(at + 1);
      if (rest.length > 0) {
        this.chunks[i] = rest;
        this.head = i;
      } else {
        this.head = i + 1;
      }
      this.scanned = 0;
      if (this.head === this.chunks.length) {
        this.chunks = [];
        this.head = 0;
      } else if (this.head > 64 && this.head * 2 > this.chunks.length) {
        this.chunks = this.chunks.slice(this.head);
        this.head = 0;
      }
      const line = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
      this.total -= line.length;
      return line;
    }
    return null;
  }
}

/** Strips the line ending (CRLF, or a bare LF from a sloppy server) and decodes as UTF-8. */
export function lineText(line: Buffer): string {
  let end = line.length;
  if (end > 0 && line[end - 1] === LF) end--;
  if (end > 0 && line[end - 1] === CR) end--;
  return line.toString('utf8', 0, end);
}

