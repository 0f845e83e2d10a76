import { describe, expect, it } from 'vitest';
import {
  chooseOAuthMechanism,
  describeFailureChallenge,
  failureAnswer,
  oauthBearerResponse,
  oauthResponse,
  plainResponse,
  saslName,
  xoauth2Response,
} from '../../src-main/services/net/sasl';

const decode = (b64: string) => Buffer.from(b64, 'base64').toString('utf8');

describe('SASL initial responses', () => {
  it('PLAIN is NUL user NUL password (RFC 4616)', () => {
    expect(plainResponse('tim', 'tanstaaftanstaaf')).toBe('AHRpbQB0YW5zdGFhZnRhbnN0YWFm');
    expect(decode(plainResponse('anna@example.test', 'pä ss'))).toBe('\0anna@example.test\0pä ss');
  });

  it("XOAUTH2 matches Google's documented example byte for byte", () => {
    expect(xoauth2Response('someuser@example.com', 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg')).toBe(
      'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==',
    );
    expect(decode(xoauth2Response('u', 't'))).toBe('user=u\x01auth=Bearer t\x01\x01');
  });

  it('OAUTHBEARER matches the example of RFC 7628 section 4.1', () => {
    const response = oauthBearerResponse('user@example.com', 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==', { host: 'server.example.com', port: 143 });
    expect(decode(response)).toBe('n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01');
    expect(response).toBe(
      'bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVhcmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB',
    );
    expect(decode(oauthBearerResponse('u', 't'))).toBe('n,a=u,\x01auth=Bearer t\x01\x01');
  });

  it('escapes "=" and "," in the OAUTHBEARER user name (RFC 5801 saslname)', () => {
    expect(saslName('a=b,c@x')).toBe('a=3Db=2Cc@x');
    expect(decode(oauthBearerResponse('a,b=c', 't'))).toBe('n,a=a=2Cb=3Dc,\x01auth=Bearer t\x01\x01');
    expect(oauthResponse('XOAUTH2', 'u', 't')).toBe(xoauth2Response('u', 't'));
    expect(oauthResponse('OAUTHBEARER', 'u', 't', { host: 'h', port: 1 })).toBe(oauthBearerResponse('u', 't', { host: 'h', port: 1 }));
  });
});

describe('mechanism choice', () => {
  it('takes the preferred mechanism when offered, else the other, else none', () => {
    expect(chooseOAuthMechanism(['PLAIN', 'LOGIN', 'XOAUTH2', 'OAUTHBEARER'], 'XOAUTH2')).toBe('XOAUTH2');
    expect(chooseOAuthMechanism(['PLAIN', 'LOGIN', 'XOAUTH2', 'OAUTHBEARER'], 'OAUTHBEARER')).toBe('OAUTHBEARER');
    expect(chooseOAuthMechanism(['plain', 'oauthbearer'], 'XOAUTH2')).toBe('OAUTHBEARER');
    expect(chooseOAuthMechanism(['XOAUTH2'], 'OAUTHBEARER')).toBe('XOAUTH2');
    expect(chooseOAuthMechanism(['PLAIN', 'LOGIN'])).toBeNull();
    expect(chooseOAuthMechanism([])).toBeNull();
  });
});

describe('the failure challenge', () => {
  it('is answered with an empty response (XOAUTH2) or ^A (OAUTHBEARER)', () => {
    expect(failureAnswer('XOAUTH2')).toBe('');
    expect(decode(failureAnswer('OAUTHBEARER'))).toBe('\x01');
  });

  it("shows the server's JSON, and nothing unreadable", () => {
    expect(describeFailureChallenge('eyJzdGF0dXMiOiI0MDEiLCJzY2hlbWVzIjoiYmVhcmVyIiwic2NvcGUiOiJtYWlsIn0=')).toBe('{"status":"401","schemes":"bearer","scope":"mail"}');
    expect(describeFailureChallenge(Buffer.from('{"status":"invalid_token"}').toString('base64'))).toBe('{"status":"invalid_token"}');
    expect(describeFailureChallenge('')).toBe('(empty challenge)');
    expect(describeFailureChallenge('not base64!')).toBe('(not base64)');
    expect(describeFailureChallenge(Buffer.from([0, 1, 2, 0xff]).toString('base64'))).toBe('(not readable)');
    expect(describeFailureChallenge(Buffer.from(`{"x":"${'a'.repeat(300)}"}`).toString('base64'))).toHaveLength(200);
  });
});
