import { EmailSchema } from './model';

/**
 * Splits what a person typed in To/Cc/Bcc into addresses (comma, semicolon or line separated) and
 * reports the parts that are not valid addresses. Display names and groups come with the full
 * address parser of the compose work; until then only bare addresses are accepted, so the envelope
 * is exactly what is shown.
 */
export function parseAddressList(text: string): { addresses: string[]; invalid: string[] } {
  const addresses: string[] = [];
  const invalid: string[] = [];
  for (const part of text.split(/[,;\n]/)) {
    const candidate = part.trim().replace(/^<(.*)>$/, '$1');
    if (!candidate) continue;
    const parsed = EmailSchema.safeParse(candidate);
    if (parsed.success) {
      if (!addresses.some((a) => a.toLowerCase() === parsed.data.toLowerCase())) addresses.push(parsed.data);
    } else invalid.push(part.trim());
  }
  return { addresses, invalid };
}
