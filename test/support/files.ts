import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The bytes of every file under `folder`, as one latin1 string: for "is this secret anywhere on disk?" checks. */
export function everyFileUnder(folder: string): string {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(join(e.parentPath, e.name), 'latin1'))
    .join('\n');
}
