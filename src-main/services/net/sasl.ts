/**
 * The SASL initial responses every protocol sends (SMTP AUTH, IMAP AUTHENTICATE, POP3 AUTH), in
 * one place, so that each mechanism is written once: PLAIN (RFC 4616), XOAUTH2 (Google's and
 * Microsoft's bearer-token mechanism) and OAUTHBEARER (RFC 7628). Also which OAuth2 mechanism to
 * use from a server's list, and what a failed token exchange looks like on the wire.
 *
 * Hand-written: the strings are a line each, and the libraries that speak them (nodemailer,
 * imapflow) keep their encoders private. Pure functions, no I/O.
 */

export type OAuthMechanism = 'XOAUTH2' | 'OAUTHBEARER';

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** RFC 4616: authzid (empty) NUL authcid NUL password. */
export function plainResponse(username: string, password: string): string {
  return b64(`\0${username}\0${password}`);
}

/** XOAUTH2: "user=" user ^A "auth=Bearer " token ^A ^A. */
export function xoauth2Response(username: string, accessToken: string): string {
  return b64(`user=${username}\x01auth=Bearer ${accessToken}\x01\x01`);
}

/** RFC 5801 section 4 saslname: "=" and "," are escaped as =3D and =2C in the GS2 header. */
export function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/**
 * RFC 7628 section 3.1: the GS2 header "n,a=<user>," then key=value pairs separated by ^A (host
 * and port of the server being contacted, then the token), ended by ^A ^A.
 */
export function oauthBearerResponse(username: string, accessToken: string, server?: { host: string; port: number }): string {
  const where = server ? `host=${server.host}\x01port=${server.port}\x01` : '';
  return b64(`n,a=${saslName(username)},\x01${where}auth=Bearer ${accessToken}\x01\x01`);
}

/** The initial response for `mechanism`. */
export function oauthResponse(mechanism: OAuthMechanism, username: string, accessToken: string, server?: { host: string; port: number }): string {
  return mechanism === 'XOAUTH2' ? xoauth2Response(username, accessToken) : oauthBearerResponse(username, accessToken, server);
}

/**
 * The OAuth2 mechanism to use from what the server lists (upper or lower case): `prefer` when it is
 * offered, else the other one, else null. Callers prefer what the library on the real path uses
 * (nodemailer sends XOAUTH2, imapflow OAUTHBEARER), so the account check proves that very path.
 */
export function chooseOAuthMechanism(offered: readonly string[], prefer: OAuthMechanism = 'XOAUTH2'): OAuthMechanism | null {
  const listed = new Set(offered.map((m) => m.trim().toUpperCase()));
  const other: OAuthMechanism = prefer === 'XOAUTH2' ? 'OAUTHBEARER' : 'XOAUTH2';
  if (listed.has(prefer)) return prefer;
  if (listed.has(other)) return other;
  return null;
}

/**
 * What the client answers to the error challenge a server sends instead of refusing a token at
 * once (Dovecot, Gmail, Outlook). XOAUTH2: an empty response. OAUTHBEARER: a single ^A (RFC 7628
 * section 3.2.3). Either way the server then sends its final refusal (535, NO, -ERR).
 */
export function failureAnswer(mechanism: OAuthMechanism): string {
  return mechanism === 'XOAUTH2' ? '' : b64('\x01');
}

/**
 * The error challenge, readable for the transcript: the JSON the server put in it
 * ({"status":"401","schemes":"bearer","scope":"mail"}), at most 200 characters, or a note that it
 * was not readable. The challenge never carries the token; it is the server's words.
 */
export function describeFailureChallenge(challenge: string): string {
  const data = challenge.trim();
  if (!data) return '(empty challenge)';
  if (!/^[A-Za-z0-9+/]+=*$/.test(data)) return '(not base64)';
  const text = Buffer.from(data, 'base64').toString('utf8');
  if (!/^[\x20-\x7e]*$/.test(text)) return '(not readable)';
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}
