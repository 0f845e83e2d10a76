/**
 * Connection and TLS errors of discovery's HTTP fetches in short words ("certificate expired"),
 * from the one judgement of net/errors.ts, so a candidate's words match what the app says for the
 * same failure anywhere else. Failures that are none of those keep their own message.
 */
import { networkFailureCode, shortWords } from '../net/errors';

export function describeConnectionError(err: unknown, host: string): string {
  const code = networkFailureCode(err);
  if (code) return shortWords(code, host);
  const e = err as { code?: string; message?: string };
  return e?.message ? `${e.message}${e.code ? ` (${e.code})` : ''}` : String(err);
}
