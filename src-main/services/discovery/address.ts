/** Splits an email address into the parts discovery needs, without judging more than it must. */
import { domainToASCII } from 'node:url';

export interface AddressParts {
  /** The address as typed (trimmed): what %EMAILADDRESS% becomes. */
  address: string;
  /** Everything before the last '@': what %EMAILLOCALPART% becomes. */
  localPart: string;
  /** The domain as typed, lower-cased: what %EMAILDOMAIN% becomes. */
  domain: string;
  /** The domain in ASCII (punycode for IDNs), lower-cased, no trailing dot: what DNS and URLs use. */
  asciiDomain: string;
}

/** At least two labels of letters, digits and hyphens; no IP literals ("user@[192.0.2.1]"). */
const ASCII_DOMAIN_RE = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

export function parseAddress(input: string): AddressParts | undefined {
  const address = input.trim();
  if (address.length > 320 || /[\s<>]/.test(address)) return undefined;
  const at = address.lastIndexOf('@');
  if (at < 1 || at === address.length - 1) return undefined;
  const localPart = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase().replace(/\.$/, '');
  const asciiDomain = domainToASCII(domain);
  if (!asciiDomain || !ASCII_DOMAIN_RE.test(asciiDomain)) return undefined;
  return { address, localPart, domain, asciiDomain };
}
