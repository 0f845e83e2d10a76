/**
 * POP3's multi-line responses (RFC 1939 section 3): a multi-line response ends with a line that
 * is exactly "." and every other line that starts with "." has that first "." removed
 * (dot-unstuffing), byte-exact on Buffers. The line framing itself is net/lines.ts, shared by
 * every protocol.
 */
export { LineBuffer, lineText } from '../net/lines';

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

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
