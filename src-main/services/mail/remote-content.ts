/**
 * Where the person allowed remote content (images, fonts, styles fetched from the web): for one
 * message, or for every message from one sender. Kept in one small JSON file, written atomically.
 * Senders are compared case-insensitively on the domain; the list of messages keeps the newest 5,000.
 */
import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { setAsideFile, type DamageReporter } from '../data-notices';
import { makePrivateFolder, writeFileAtomic } from '../durable-files';

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

const ChoicesSchema = z.object({ senders: z.array(z.string()), messages: z.array(z.string()) });

/** The choices in `text`, or null when it is not our file (truncated, empty, not JSON, another shape). */
function parseChoices(text: string): z.infer<typeof ChoicesSchema> | null {
  try {
    const parsed = ChoicesSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The choices in `file`, or null when there is none (or it cannot be read; it is left as it is).
 * A damaged file is set aside (kept) and reported; nothing is allowed until the person chooses
 * again, the safe default.
 */
async function readChoices(file: string, notices: DamageReporter | undefined): Promise<z.infer<typeof ChoicesSchema> | null> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return null;
  }
  const choices = parseChoices(text);
  if (choices) return choices;
  const what = 'The list of senders and messages you allowed to load remote content could not be read. Remote content is blocked again until you allow it.';
  if (notices) await notices.setAside(file, 'remote-content', what);
  else await setAsideFile(file);
  return null;
}

export async function openRemoteContentPolicy(file: string, notices?: DamageReporter): Promise<RemoteContentPolicy> {
  const choices = await readChoices(file, notices);
  const senders = new Set(choices?.senders ?? []);
  let messages = choices?.messages ?? [];
  let writing: Promise<void> = Promise.resolve();
  const save = () => {
    const data = JSON.stringify({ senders: [...senders], messages });
    // After a failed write (disk full), the next choice is still written: the chain never stays rejected.
    writing = writing.catch(() => undefined).then(async () => {
      await makePrivateFolder(dirname(file));
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
