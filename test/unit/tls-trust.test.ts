/**
 * The trust list of a connection is made once per set of extra authorities and pin, not per
 * connection: parsing Node's ~150 bundled roots costs tens of milliseconds of CPU each time.
 */
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { tlsOptionsFor } from '../../src-main/services/tls-trust';

const PEM = rootCertificates[0]!;
const OTHER = rootCertificates[1]!;

describe('tlsOptionsFor', () => {
  it('reuses one secure context for the same trust, and makes another for another pin or authority', () => {
    const pinned = { sha256: 'AA', pem: PEM } as never;
    const a = tlsOptionsFor('smtp.example.com', { extraCertificateAuthorities: [OTHER], pinnedCertificate: pinned });
    const b = tlsOptionsFor('imap.example.com', { extraCertificateAuthorities: [OTHER], pinnedCertificate: pinned });
    expect(a.secureContext).toBeDefined();
    expect(b.secureContext).toBe(a.secureContext);
    expect(b.servername).toBe('imap.example.com');
    expect(tlsOptionsFor('x.example', { extraCertificateAuthorities: [OTHER] }).secureContext).not.toBe(a.secureContext);
    expect(tlsOptionsFor('x.example', { extraCertificateAuthorities: [PEM] }).secureContext).not.toBe(tlsOptionsFor('x.example', { extraCertificateAuthorities: [OTHER] }).secureContext);
    expect(a.rejectUnauthorized).toBe(true);
  });
});
