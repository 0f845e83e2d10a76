/**
 * Where the person allowed remote content (images, fonts, styles fetched from the web): for one
 * message, or for every message from one sender. Kept in one small JSON file, written atomically.
 * Senders are compared case-insensitively on the domain; the list of messages keeps the newest 5,000.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../durable-files';

const MAX_MESSAGES = 5000;

export interface RemoteContentPolicy {
  senderAllowed(address: string): boolean;
  messageAllowed(key: string): boolean;
  allowSender(address: string): Promise<void>;
  allowMessage(key: string): Promise<void>;
}

const senderKey = (address: string) => {
  const at = address.lastIndexOf('@');
  return at < 0 ? address.trim() : `${address.slice(0, at).trim()}@${address.slice(at + 1).trim().toLowerCase()}`;
};

export async function openRemoteContentPolicy(file: string): Promise<RemoteContentPolicy> {
  let senders = new Set<string>();
  let messages: string[] = [];
  try {
    const data = JSON.parse(await readFile(file, 'utf8')) as { senders?: unknown; messages?: unknown };
    if (Array.isArray(data.senders)) senders = new Set(data.senders.filter((s): s is string => typeof s === 'string'));
    if (Array.isArray(data.messages)) messages = data.messages.filter((s): s is string => typeof s === 'string');
  } catch {
    // No file yet (or an unreadable one): nothing is allowed, which is the safe default.
  }
  let writing: Promise<void> = Promise.resolve();
  const save = () => {
    const data = JSON.stringify({ senders: [...senders], messages });
    // After a failed write (disk full), the next choice is still written: the chain never stays rejected.
    writing = writing.catch(() => undefined).then(async () => {
      await mkdir(dirname(file), { recursive: true });
      await writeFileAtomic(dirname(file), file, data);
    });
    return writing;
  };
  return {
    senderAllowed: (address) => senders.has(senderKey(address)),
    messageAllowed: (key) => messages.includes(key),
    async allowSender(address) {
      senders.add(senderKey(address));
      await save();
    },
    async allowMessage(key) {
      if (messages.includes(key)) return;
      messages = [...messages, key].slice(-MAX_MESSAGES);
      await save();
    },
  };
}
