/**
 * Which certificates a connection trusts, in one place for SMTP, IMAP and POP3:
 * the system's roots, plus extra authorities the composition root passes (tests: their CA), plus,
 * per server, the one certificate the person pinned. Verification is never switched off; a probe
 * that needs to SHOW an untrusted certificate connects with verification deferred and judges the
 * certificate itself before a single credential is sent (`judgeCertificate`).
 */
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { checkServerIdentity, createSecureContext, rootCertificates, type ConnectionOptions, type PeerCertificate, type SecureContext, type TLSSocket } from 'node:tls';
import { isIP } from 'node:net';
import type { PinnedCertificate } from '../../shared/model';
import type { CertificateInfo } from '../../shared/verify';

export interface TrustSettings {
  extraCertificateAuthorities?: readonly string[] | undefined;
  pinnedCertificate?: PinnedCertificate | undefined;
}

/**
 * The operating system's trusted authorities (company CAs, security software) beside Node's bundled
 * roots, where the runtime can read them (Node 22.15+, so the app's Electron; not the tests' Node 20).
 * Read once.
 */
let systemCas: readonly string[] | undefined;
function systemCertificates(): readonly string[] {
  if (systemCas) return systemCas;
  const read = (tls as { getCACertificates?: (type: 'system') => string[] }).getCACertificates;
  try {
    systemCas = read ? read('system') : [];
  } catch {
    systemCas = [];
  }
  return systemCas;
}

/**
 * A secure context per trust list, made once: parsing ~150 root certificates costs ~30 ms of CPU,
 * which every connection with a pinned certificate or an extra authority used to pay again.
 * Bounded (a few accounts, a few pins); cleared when it grows past that.
 */
const contexts = new Map<string, SecureContext>();
const MAX_CONTEXTS = 64;
function trustContext(extra: readonly string[], partialChain: boolean): SecureContext | undefined {
  const system = systemCertificates();
  if (!extra.length && !system.length) return undefined; // Node's defaults are exactly the bundled roots
  const key = JSON.stringify([partialChain, extra]);
  let context = contexts.get(key);
  if (!context) {
    context = createSecureContext({
      minVersion: 'TLSv1.2',
      ca: [...new Set([...rootCertificates, ...system, ...extra])],
      // A pinned certificate is usually a leaf or a private intermediate: let it anchor the chain.
      ...(partialChain ? { allowPartialTrustChain: true } : {}),
    } as tls.SecureContextOptions);
    if (contexts.size >= MAX_CONTEXTS) contexts.clear();
    contexts.set(key, context);
  }
  return context;
}

/** TLS options for a real session (send, login): verification on; a pinned certificate counts as an anchor. */
export function tlsOptionsFor(host: string, trust: TrustSettings = {}): ConnectionOptions {
  const extra = [...(trust.extraCertificateAuthorities ?? []), ...(trust.pinnedCertificate ? [trust.pinnedCertificate.pem] : [])];
  const secureContext = trustContext(extra, Boolean(trust.pinnedCertificate));
  return {
    minVersion: 'TLSv1.2',
    rejectUnauthorized: true,
    ...(isIP(host) ? {} : { servername: host }),
    ...(secureContext ? { secureContext } : {}),
  };
}

/**
 * TLS options for a probe that must be able to show an untrusted certificate: judge it with
 * judgeCertificate() before sending anything. The pin is left out here so that the chain result
 * says whether an authority vouches for the certificate; judgeCertificate applies the pin.
 */
export function inspectionTlsOptions(host: string, trust: TrustSettings = {}): ConnectionOptions {
  return { ...tlsOptionsFor(host, { extraCertificateAuthorities: trust.extraCertificateAuthorities }), rejectUnauthorized: false };
}

/** OpenSSL verification codes (Node's err.code) that mean "no authority we trust signed this". */
export const UNTRUSTED_CERTIFICATE_CODES: ReadonlySet<string> = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REJECTED',
]);
/** Codes that mean the certificate is outside its validity period. */
export const EXPIRED_CERTIFICATE_CODES: ReadonlySet<string> = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);
const EXPIRED = EXPIRED_CERTIFICATE_CODES;

const nameOf = (entity: PeerCertificate['subject'] | undefined) =>
  entity ? [entity.CN, entity.O].flat().filter(Boolean).join(', ') || Object.values(entity).flat().join(', ') : '';

/** The peer certificate of a connection made with inspectionTlsOptions, and whether to trust it. */
export function judgeCertificate(socket: TLSSocket, host: string, trust: TrustSettings = {}): CertificateInfo {
  const peer = socket.getPeerCertificate(false);
  const x509 = socket.getPeerX509Certificate?.();
  const pem = x509 ? x509.toString() : '';
  const sha256 = x509?.fingerprint256 ?? peer.fingerprint256 ?? '';
  const chainError = socket.authorized ? undefined : String(socket.authorizationError ?? 'UNKNOWN');
  const validTo = peer.valid_to ? new Date(peer.valid_to) : undefined;
  const hostError = peer.raw ? checkServerIdentity(isIP(host) ? host : host.toLowerCase(), peer) : new Error('no certificate');
  const pinned = Boolean(trust.pinnedCertificate && trust.pinnedCertificate.sha256 === sha256);

  let problem: CertificateInfo['problem'];
  if ((chainError && EXPIRED.has(chainError)) || (validTo && validTo.getTime() < Date.now())) problem = 'TLS_CERTIFICATE_EXPIRED';
  else if (hostError) problem = 'TLS_HOSTNAME_MISMATCH';
  else if (chainError && chainError !== 'ERR_TLS_CERT_ALTNAME_INVALID' && !pinned) problem = 'TLS_UNTRUSTED_CERTIFICATE';

  const cipher = socket.getCipher();
  return {
    subject: nameOf(peer.subject),
    issuer: nameOf(peer.issuer),
    validFrom: peer.valid_from ? new Date(peer.valid_from).toISOString() : '',
    validTo: validTo ? validTo.toISOString() : '',
    sha256,
    altNames: (peer.subjectaltname ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    pem,
    protocol: socket.getProtocol() ?? '',
    cipher: cipher?.standardName ?? cipher?.name ?? '',
    trusted: problem === undefined,
    pinned: problem === undefined && pinned && Boolean(chainError),
    ...(problem ? { problem } : {}),
    ...(problem === 'TLS_UNTRUSTED_CERTIFICATE' && trust.pinnedCertificate
      ? { pinChanged: { sha256: trust.pinnedCertificate.sha256, ...(trust.pinnedCertificate.trustedAt ? { trustedAt: trust.pinnedCertificate.trustedAt } : {}) } }
      : {}),
  };
}

/** SHA-256 fingerprint of a PEM certificate, as Node prints it ("AB:CD:..."). */
export function fingerprintOf(pem: string): string {
  return new X509Certificate(pem).fingerprint256;
}
