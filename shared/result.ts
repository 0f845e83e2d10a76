import { z } from 'zod';
import { ERROR_CODE_LIST, ERROR_CODES, type ErrorCode } from './errors';

/** What we know about a failure beyond its code. Never carries user input or secrets. */
export const ErrorDetailSchema = z.object({
  /** The server's own reply line(s), e.g. "535 5.7.8 Error: authentication failed". */
  serverReply: z.string().optional(),
  /** The SMTP reply code, e.g. 535. */
  responseCode: z.number().int().optional(),
  /** RFC 3463 enhanced status code, e.g. "5.7.8". */
  enhancedStatus: z.string().optional(),
  /** The protocol step that failed, e.g. "AUTH PLAIN", "RCPT TO", "CONN". Never with arguments. */
  command: z.string().optional(),
  /** For INVALID_REQUEST: which fields were wrong and how (paths and zod issue kinds, no values). */
  fields: z.array(z.object({ path: z.string(), problem: z.string() })).optional(),
  /** Recipients the server refused, each with its reply. */
  refused: z.array(z.object({ address: z.string(), serverReply: z.string() })).optional(),
});
export type ErrorDetail = z.infer<typeof ErrorDetailSchema>;

export const AppErrorSchema = z.object({
  code: z.enum(ERROR_CODE_LIST),
  message: z.string(),
  detail: ErrorDetailSchema.optional(),
});
export type AppError = z.infer<typeof AppErrorSchema>;

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });

export function fail<T = never>(code: ErrorCode, detail?: ErrorDetail): Result<T> {
  return { ok: false, error: appError(code, detail) };
}

export function appError(code: ErrorCode, detail?: ErrorDetail): AppError {
  return detail ? { code, message: ERROR_CODES[code], detail } : { code, message: ERROR_CODES[code] };
}
