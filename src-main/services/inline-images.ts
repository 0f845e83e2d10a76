/**
 * Inline images arrive from the editor as data: URLs inside the HTML. Before the message is built
 * they become files and `cid:` references, so that the message carries them as related parts and
 * the outbox streams them from disk like any attachment.
 */
import { randomUUID } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { makePrivateFolder, PRIVATE_FILE_MODE } from './durable-files';
import { join } from 'node:path';

const DATA_IMAGE = /(<img\b[^>]*?\bsrc=")data:(image\/(?:png|jpeg|gif|webp));base64,([A-Za-z0-9+/=\s]+)(")/gi;
const EXT: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };

export interface InlineImages {
  html: string;
  attachments: Array<{ filename: string; path: string; contentType: string; cid: string }>;
  /** Removes the temporary files once the message is built. */
  cleanup(): Promise<void>;
}

export async function extractInlineImages(html: string, tmpDir: string, domain: string): Promise<InlineImages> {
  const found: Array<{ whole: string; prefix: string; type: string; data: string; suffix: string }> = [];
  html.replace(DATA_IMAGE, (whole, prefix: string, type: string, data: string, suffix: string) => {
    found.push({ whole, prefix, type: type.toLowerCase(), data, suffix });
    return whole;
  });
  if (!found.length) return { html, attachments: [], cleanup: async () => {} };
  const dir = join(tmpDir, `inline-${randomUUID()}`);
  await makePrivateFolder(dir);
  const attachments: InlineImages['attachments'] = [];
  let out = html;
  for (const [i, image] of found.entries()) {
    const cid = `${randomUUID()}@${domain || 'mailwright.invalid'}`;
    const filename = `image-${i + 1}.${EXT[image.type] ?? 'bin'}`;
    const path = join(dir, filename);
    await writeFile(path, Buffer.from(image.data.replace(/\s+/g, ''), 'base64'), { mode: PRIVATE_FILE_MODE });
    attachments.push({ filename, path, contentType: image.type, cid });
    out = out.replace(image.whole, `${image.prefix}cid:${cid}${image.suffix}`);
  }
  return { html: out, attachments, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
