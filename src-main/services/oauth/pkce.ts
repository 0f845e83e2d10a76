/** PKCE (RFC 7636, S256 only) and the random `state` of an authorization request. */
import { createHash, randomBytes } from 'node:crypto';

const base64url = (bytes: Buffer) => bytes.toString('base64url');

export interface Pkce {
  /** Kept in main, sent only to the token endpoint with the code. */
  verifier: string;
  /** SHA-256 of the verifier, sent in the authorization request. */
  challenge: string;
  method: 'S256';
}

/** 32 random bytes: a 43-character verifier, inside RFC 7636's 43..128. */
export function createPkce(): Pkce {
  const verifier = base64url(randomBytes(32));
  return { verifier, challenge: challengeOf(verifier), method: 'S256' };
}

export const challengeOf = (verifier: string) => base64url(createHash('sha256').update(verifier, 'ascii').digest());

/** An unguessable value tying the answer to this request (RFC 6749 10.12). */
export const randomState = () => base64url(randomBytes(24));
