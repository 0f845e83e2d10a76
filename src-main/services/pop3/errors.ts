/** Errors of the POP3 client, with the extended response codes of RFC 2449 section 8 mapped to kinds. */

export type Pop3ErrorKind =
  | 'auth'
  /** The server offers no mechanism we can sign in with (no OAuth2 mechanism for a token). */
  | 'auth-unavailable'
  | 'in-use'
  | 'sys-temp'
  | 'sys-perm'
  | 'login-delay'
  | 'err'
  | 'protocol'
  | 'timeout'
  | 'closed'
  | 'tls'
  | 'starttls-unavailable';

export class Pop3Error extends Error {
  override readonly name = 'Pop3Error';
  readonly kind: Pop3ErrorKind;
  /** The server's -ERR line (or the unexpected line), when there is one. */
  readonly response?: string;
  /** The command that failed, without arguments for PASS. */
  readonly command?: string;

  constructor(kind: Pop3ErrorKind, message: string, details: { response?: string; command?: string; cause?: unknown } = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.kind = kind;
    if (details.response !== undefined) this.response = details.response;
    if (details.command !== undefined) this.command = details.command;
  }
}

const CODES: ReadonlyArray<[string, Pop3ErrorKind]> = [
  ['AUTH', 'auth'],
  ['IN-USE', 'in-use'],
  ['SYS/TEMP', 'sys-temp'],
  ['SYS/PERM', 'sys-perm'],
  ['LOGIN-DELAY', 'login-delay'],
];

/** The extended response code of a status line ("-ERR [SYS/TEMP] ..." → "SYS/TEMP"), upper-cased. */
export function responseCode(line: string): string | undefined {
  const m = /^[+-]\S*\s+\[([^\]\s]+)\]/.exec(line);
  return m?.[1]?.toUpperCase();
}

/**
 * The kind for an -ERR line. Codes are hierarchical ("SYS/TEMP/..." is a kind of "SYS/TEMP");
 * unknown codes are treated as no code (RFC 2449 section 8: clients ignore codes they do not know).
 */
export function kindOfErr(line: string, fallback: Pop3ErrorKind): Pop3ErrorKind {
  const code = responseCode(line);
  if (code === undefined) return fallback;
  for (const [name, kind] of CODES) if (code === name || code.startsWith(`${name}/`)) return kind;
  return fallback;
}
