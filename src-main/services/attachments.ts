/**
 * Files the person picked to attach. Main keeps their paths; the renderer gets a token, the name
 * and the size, and hands the token back when it sends. A token that main did not hand out is
 * refused, so the renderer cannot make main read a file the person never chose.
 */
import { randomUUID } from 'node:crypto';
import { appendFile, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { AttachmentRef } from '../../shared/outbox';
import { makePrivateFolder, PRIVATE_FILE_MODE } from './durable-files';

export interface PickedFile {
  path: string;
  name: string;
  size: number;
}

export interface AttachmentRegistry {
  /** Registers files the person chose in the dialog; unreadable ones and folders are skipped. */
  add(paths: string[]): Promise<AttachmentRef[]>;
  resolve(token: string): PickedFile | undefined;
}

/**
 * Files dropped onto the compose window. A sandboxed renderer cannot tell main where a dropped
 * file lives, so it streams the file over in chunks (one chunk in memory at a time on each side);
 * main writes them to a file of its own and registers that like a picked file.
 */
export interface DroppedFiles {
  begin(name: string, size: number): Promise<string>;
  /** Throws UploadNotFoundError for an upload that is not in progress, TooMuchDataError past the announced size. */
  chunk(upload: string, data: Buffer): Promise<number>;
  end(upload: string): Promise<AttachmentRef | undefined>;
  /** Whether `upload` is in progress (begun, not ended). */
  has(upload: string): boolean;
}

/** An upload id main never handed out, already ended, or from before a restart. */
export class UploadNotFoundError extends Error {
  constructor() {
    super('unknown upload');
    this.name = 'UploadNotFoundError';
  }
}

export class TooMuchDataError extends Error {
  constructor() {
    super('more data than announced');
    this.name = 'TooMuchDataError';
  }
}


/** The largest file accepted by drop (most servers refuse far less; the outbox checks SIZE). */
export const MAX_DROPPED_BYTES = 200 * 1024 * 1024;

/** A file name safe to create: no folders, no control characters, not empty. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^\.+/, '').trim();
  return (clean || 'attachment').slice(0, 200);
}

export function createDroppedFiles(dir: string, registry: AttachmentRegistry): DroppedFiles {
  const uploads = new Map<string, { path: string; size: number; written: number }>();
  return {
    async begin(name, size) {
      const upload = randomUUID();
      const folder = join(dir, upload);
      // A copy of the person's file: private to them (0700 folders, a 0600 file), whatever the umask.
      await makePrivateFolder(folder);
      const path = join(folder, safeFileName(name));
      await writeFile(path, '', { mode: PRIVATE_FILE_MODE });
      uploads.set(upload, { path, size, written: 0 });
      return upload;
    },
    async chunk(upload, data) {
      const entry = uploads.get(upload);
      if (!entry) throw new UploadNotFoundError();
      if (entry.written + data.length > Math.min(entry.size, MAX_DROPPED_BYTES)) throw new TooMuchDataError();
      await appendFile(entry.path, data);
      entry.written += data.length;
      return entry.written;
    },
    async end(upload) {
      const entry = uploads.get(upload);
      uploads.delete(upload);
      if (!entry || entry.written !== entry.size) return undefined;
      const [ref] = await registry.add([entry.path]);
      return ref;
    },
    has: (upload) => uploads.has(upload),
  };
}

export function createAttachmentRegistry(): AttachmentRegistry {
  const files = new Map<string, PickedFile>();
  return {
    async add(paths) {
      const refs: AttachmentRef[] = [];
      for (const path of paths) {
        try {
          const info = await stat(path);
          if (!info.isFile()) continue;
          const token = randomUUID();
          const file = { path, name: basename(path), size: info.size };
          files.set(token, file);
          refs.push({ token, name: file.name, size: file.size });
        } catch {
          // gone or unreadable between the choice and now: not offered
        }
      }
      return refs;
    },
    resolve: (token) => files.get(token),
  };
}
