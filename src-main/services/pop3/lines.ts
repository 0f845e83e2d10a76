/**
 * Byte-level framing for POP3 (RFC 1939 section 3): lines end with CRLF; a multi-line response
 * ends with a line that is exactly "." and every other line that starts with "." has that first
 * "." removed (dot-unstuffing). Works on Buffers so bodies stay byte-exact, and on input split at
 * any byte boundary. Pure and synchronous: the client feeds it whatever the socket delivers.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

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

/** True for the line that ends a multi-line response: "." followed by CRLF (or a bare LF). */
export function isTerminator(line: Buffer): boolean {
  return (
    line[0] === DOT &&
    ((line.length === 3 && line[1] === CR && line[2] === LF) || (line.length === 2 && line[1] === LF))
  );
}

/** Collects the lines of a multi-line response body, undoing dot-stuffing. */
export class MultilineBody {
  private parts: Buffer[] = [];
  private bytes = 0;
  lines = 0;
  done = false;

  /** Feeds one complete line; returns true once the terminating "." line has been seen. */
  add(line: Buffer): boolean {
    if (this.done) throw new Error('multi-line body already complete');
    if (isTerminator(line)) {
      this.done = true;
      return true;
    }
    const content = line[0] === DOT ? line.subarray(1) : line;
    this.parts.push(content);
    this.bytes += content.length;
    this.lines++;
    return false;
  }

  get size(): number {
    return this.bytes;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.parts, this.bytes);
  }
}
