import { serverWords, textRecipient, type TextParser } from './common';

/** Gmail's own words: "Your message wasn't delivered to x@y because ..." / "temporary problem delivering". */
export const gmail: TextParser = (text) => {
  const failed =
    /Your message wasn't delivered to (\S+@\S+?)[.,]?\s+because/i.exec(text) ??
    /Delivery to the following recipients? failed permanently:\s*\n\s*(\S+@\S+)/i.exec(text) ??
    /Your message couldn't be delivered to (\S+@\S+?)[.,]?\s/i.exec(text);
  const delayed =
    /There was a temporary problem delivering your message to (\S+@\S+?)[.,]?\s/i.exec(text) ??
    /Delivery to the following recipients? has been delayed:\s*\n\s*(\S+@\S+)/i.exec(text);
  const hit = failed ?? delayed;
  if (!hit) return null;
  const response = /(?:The response (?:from the remote server )?was|The error that the other server returned was):\s*\n?([\s\S]*?)(?:\n\s*\n|$)/i.exec(text)?.[1] ?? null;
  const remote = /rejected by the server for the recipient domain \S+ by (\S+?)\.? \[/i.exec(text)?.[1] ?? null;
  const r = textRecipient(hit[1]!, failed ? 'failed' : 'delayed', response ? (serverWords(response) ?? response) : null, remote);
  return { kind: 'gmail', recipients: r ? [r] : [] };
};
