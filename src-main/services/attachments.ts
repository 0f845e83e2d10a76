/**
 * Files the person picked to attach. Main keeps their paths; the renderer gets a token, the name
 * and the size, and hands the token back when it sends. A token that main did not hand out is
 * refused, so the renderer cannot make main read a file the person never chose.
 */
import { randomUUID } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { AttachmentRef } from '../../shared/outbox';

export interface PickedFile {
  path: string;
  name: string;
  size: number;
}

export interface AttachmentRegistry {
  /** Registers files the person chose (dialog or drop); unreadable ones and folders are skipped. */
  add(paths: string[]): Promise<AttachmentRef[]>;
  resolve(token: string): PickedFile | undefined;
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
