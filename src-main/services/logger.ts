/**
 * A small structured logger for the main process. Every field goes through `redact`, so a
 * password, token or AUTH payload cannot reach the log even if a caller passes one by mistake.
 */
export interface Logger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const SECRET_KEYS = /pass(word)?|secret|token|credential|authorization|^auth$|^pass$/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6) return '[deep]';
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return { name: value.name, message: redactText(value.message), ...(code ? { code } : {}) };
  }
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = SECRET_KEYS.test(k) ? '[redacted]' : redact(v, depth + 1);
    return out;
  }
  return value;
}

/** SASL mechanism names: a word after "AUTH PLAIN" that is one of these is a capability list, not a payload. */
const SASL_MECHANISMS = 'PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5|CRAM-SHA1|DIGEST-MD5|SCRAM-SHA-1(?:-PLUS)?|SCRAM-SHA-256(?:-PLUS)?|GSSAPI|NTLM|EXTERNAL|ANONYMOUS|XOAUTH';
/**
 * An AUTH or AUTHENTICATE command with its initial response: "AUTH PLAIN <b64>", "a1 AUTHENTICATE
 * XOAUTH2 <b64>". Not the server's capability line "250-AUTH PLAIN LOGIN" (the word after the
 * mechanism is another mechanism), and never across a line break.
 */
const AUTH_PAYLOAD = new RegExp(
  `(?<!\\b[0-9]{3}[- ])\\b(AUTH(?:ENTICATE)?[ \\t]+(?:PLAIN|LOGIN|XOAUTH2|OAUTHBEARER|CRAM-MD5))[ \\t]+(?!(?:${SASL_MECHANISMS})(?![\\w-]))[^\\s]+`,
  'gi',
);

/**
 * Masks protocol lines that carry credentials: AUTH / AUTHENTICATE payloads (PLAIN, LOGIN, XOAUTH2,
 * OAUTHBEARER), IMAP LOGIN, POP3 PASS, and OAuth2 tokens wherever they appear (a Bearer header, a
 * token or code parameter in a URL, form or JSON).
 */
export function redactText(text: string): string {
  return text
    .replace(AUTH_PAYLOAD, '$1 [redacted]')
    .replace(/\b(Bearer)\s+[\w.~+/=-]+/gi, '$1 [redacted]')
    .replace(/\b((?:access|refresh|id)_token|code_verifier|client_secret)("?\s*[=:]\s*"?)[^&\s",}]+/gi, '$1$2[redacted]')
    .replace(/([?&]code=)[^&\s"]+/gi, '$1[redacted]')
    // An IMAP LOGIN command, not the AUTH=LOGIN of a capability list (which would hide the mechanisms after it).
    // Nor the LOGIN of an SMTP mechanism list ("250 AUTH LOGIN PLAIN CRAM-MD5").
    .replace(/(?<![=\w-])(?<!\bAUTH[ \t]+(?:[\w-]+[ \t]+)*)(LOGIN)[ \t]+("[^"]*"|\S+)[ \t]+("[^"]*"|\S+)/gi, '$1 $2 [redacted]')
    .replace(/^(PASS)\s+.*$/gim, '$1 [redacted]');
}

export function createConsoleLogger(sink: Pick<Console, 'log' | 'warn' | 'error'> = console): Logger {
  const line = (level: string, message: string, fields?: Record<string, unknown>) =>
    `${new Date().toISOString()} ${level} ${redactText(message)}${fields ? ' ' + JSON.stringify(redact(fields)) : ''}`;
  return {
    info: (m, f) => sink.log(line('info', m, f)),
    warn: (m, f) => sink.warn(line('warn', m, f)),
    error: (m, f) => sink.error(line('error', m, f)),
  };
}

export const silentLogger: Logger = { info() {}, warn() {}, error() {} };
