/** Turns connection and TLS errors into short words a person can check ("certificate expired"). */
import { UNTRUSTED_CERTIFICATE_CODES } from '../tls-trust';

const UNTRUSTED = UNTRUSTED_CERTIFICATE_CODES;

/** True for errors that mean "nobody is listening there", as opposed to "someone answered badly". */
export function isNoConnection(err: unknown): boolean {
  const code = (err as { code?: string })?.code ?? '';
  return code === 'ECONNREFUSED' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EADDRNOTAVAIL';
}

export function describeConnectionError(err: unknown, host: string): string {
  const e = err as { code?: string; message?: string };
  const code = e?.code ?? '';
  if (UNTRUSTED.has(code)) return `certificate not issued by a trusted authority (${code})`;
  if (code === 'CERT_HAS_EXPIRED') return 'certificate expired';
  if (code === 'CERT_NOT_YET_VALID') return 'certificate not yet valid';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `certificate is not valid for ${host}`;
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ECONNRESET':
      return 'connection reset';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'host unreachable';
    case 'ETIMEDOUT':
      return 'connection timed out';
    case 'EPIPE':
      return 'connection closed by the server';
  }
  if (code.startsWith('ERR_SSL') || code === 'EPROTO' || /SSL|TLS/i.test(e?.message ?? '')) {
    return `TLS handshake failed (${code || e?.message})`;
  }
  return e?.message ? `${e.message}${code ? ` (${code})` : ''}` : String(err);
}
