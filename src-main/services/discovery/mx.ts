/**
 * Which known provider receives a domain's mail, judged from its MX host names. A company domain
 * hosted by Google or Microsoft has no autoconfig file of its own, but its MX records say where the
 * mailboxes live, and such providers use the same submission servers for every customer domain.
 */
import type { BundledProviderId } from './providers';

export interface MxProviderMatch {
  id: BundledProviderId;
  /** Shown instead of the file's name where the MX says more precisely what it is. */
  name?: string;
}

interface MxRule extends MxProviderMatch {
  /** Matches the MX host (lower case, no trailing dot). */
  test: RegExp;
}

/**
 * First match wins, so the narrower rules come first (AOL's MX is under yahoodns.net too).
 * Each pattern is anchored at a label boundary: "evilgoogle.com" must not pass for "google.com".
 */
const MX_RULES: readonly MxRule[] = [
  // aspmx.l.google.com, alt1.aspmx.l.google.com, smtp.google.com; aspmx2.googlemail.com
  { test: /(?:^|\.)google(?:mail)?\.com$/, id: 'gmail', name: 'Google Workspace' },
  // <tenant>.mail.protection.outlook.com (Microsoft 365), *.olc.protection.outlook.com (Outlook.com)
  { test: /\.mail\.protection\.outlook\.com$/, id: 'microsoft365' },
  { test: /(?:^|\.)olc\.protection\.outlook\.com$/, id: 'outlook' },
  // mx-aol.mail.gm0.yahoodns.net (AOL) before mta5.am0.yahoodns.net (Yahoo)
  { test: /(?:^|\.)mx-aol\.mail\.gm0\.yahoodns\.net$/, id: 'aol' },
  { test: /(?:^|\.)yahoodns\.net$/, id: 'yahoo' },
  // mx01.mail.icloud.com, mx02.mail.icloud.com (iCloud+ custom domains)
  { test: /(?:^|\.)mail\.icloud\.com$/, id: 'icloud' },
  // in1-smtp.messagingengine.com
  { test: /(?:^|\.)messagingengine\.com$/, id: 'fastmail' },
  // mx.zoho.com, mx2.zoho.com, mx3.zoho.com; mx.zoho.eu: organisations use Zoho's "pro" servers
  { test: /(?:^|\.)zoho\.com$/, id: 'zoho-business' },
  { test: /(?:^|\.)zoho\.eu$/, id: 'zoho-business-eu' },
  // mail.protonmail.ch, mailsec.protonmail.ch (Proton custom domains, through Bridge)
  { test: /(?:^|\.)protonmail\.ch$/, id: 'proton-bridge' },
  // mx00.gmx.net / mx00.gmx.com; mx00.mail.com
  { test: /(?:^|\.)gmx\.net$/, id: 'gmx' },
  { test: /(?:^|\.)gmx\.com$/, id: 'gmx-com' },
  { test: /(?:^|\.)mail\.com$/, id: 'mailcom' },
];

export function providerForMxHost(mxHost: string): MxProviderMatch | undefined {
  const host = mxHost.toLowerCase().replace(/\.$/, '');
  const rule = MX_RULES.find((r) => r.test.test(host));
  return rule ? { id: rule.id, ...(rule.name ? { name: rule.name } : {}) } : undefined;
}

/** Second-level labels under which country TLDs register names (example.co.uk, example.com.au). */
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or', 'go']);

/**
 * The registrable domain of an MX host, approximately: the last two labels, or three under a
 * country TLD's "co."/"com." and similar. Without the public suffix list this can be wrong for
 * exotic suffixes; it is only used to ask the ISPDB one more question, so a wrong guess costs a 404.
 */
export function registeredDomain(host: string): string {
  const labels = host.toLowerCase().replace(/\.$/, '').split('.');
  if (labels.length <= 2) return labels.join('.');
  const tld = labels[labels.length - 1]!;
  const second = labels[labels.length - 2]!;
  const take = tld.length === 2 && SECOND_LEVEL.has(second) ? 3 : 2;
  return labels.slice(-take).join('.');
}
