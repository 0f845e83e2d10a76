/**
 * The provider files shipped with Mailwright (config-v1.1, written from each provider's published
 * settings). They are string modules (providers/*.ts holding the XML), so the bundler inlines them into the main
 * process bundle: no file has to be found on disk at run time, inside app.asar or not.
 */
import type { OAuthProvider } from '../../../shared/oauth';
import { parseClientConfig, type ClientConfig } from './config-xml';
import type { AddressParts } from './address';
import aol from './providers/aol';
import fastmail from './providers/fastmail';
import gmail from './providers/gmail';
import gmxCom from './providers/gmx-com';
import gmx from './providers/gmx';
import icloud from './providers/icloud';
import mailcom from './providers/mailcom';
import microsoft365 from './providers/microsoft365';
import outlook from './providers/outlook';
import protonBridge from './providers/proton-bridge';
import yahoo from './providers/yahoo';
import zohoBusinessEu from './providers/zoho-business-eu';
import zohoBusiness from './providers/zoho-business';
import zohoEu from './providers/zoho-eu';
import zoho from './providers/zoho';

export const BUNDLED_PROVIDER_FILES = {
  aol,
  fastmail,
  gmail,
  'gmx-com': gmxCom,
  gmx,
  icloud,
  mailcom,
  microsoft365,
  outlook,
  'proton-bridge': protonBridge,
  yahoo,
  'zoho-business-eu': zohoBusinessEu,
  'zoho-business': zohoBusiness,
  'zoho-eu': zohoEu,
  zoho,
} as const;

export type BundledProviderId = keyof typeof BUNDLED_PROVIDER_FILES;

export interface BundledProvider {
  id: BundledProviderId;
  name: string;
  /** The address domains the file lists (empty for files only the MX source uses). */
  domains: string[];
  /** The file's `<oAuth2>` element: how to sign in with the provider's OAuth2, where it offers it. */
  oauth?: OAuthProvider;
}

/** Parses one bundled file for an address. The files are ours and tested, so failure is a bug. */
export function bundledConfig(id: BundledProviderId, who: AddressParts): ClientConfig {
  const parsed = parseClientConfig(BUNDLED_PROVIDER_FILES[id], who);
  if (!parsed.ok) throw new Error(`bundled provider file ${id}.xml is broken: ${parsed.detail}`);
  return parsed.config;
}

const PLACEHOLDER_ADDRESS: AddressParts = {
  address: 'user@example.invalid',
  localPart: 'user',
  domain: 'example.invalid',
  asciiDomain: 'example.invalid',
};

let index:
  | { providers: BundledProvider[]; byDomain: Map<string, BundledProvider>; oauthByHost: Map<string, OAuthProvider> }
  | undefined;

function buildIndex() {
  if (index) return index;
  const providers: BundledProvider[] = [];
  const byDomain = new Map<string, BundledProvider>();
  const oauthByHost = new Map<string, OAuthProvider>();
  for (const id of Object.keys(BUNDLED_PROVIDER_FILES) as BundledProviderId[]) {
    const config = bundledConfig(id, PLACEHOLDER_ADDRESS);
    const provider: BundledProvider = { id, name: config.providerName ?? id, domains: config.domains, ...(config.oauth ? { oauth: config.oauth } : {}) };
    providers.push(provider);
    if (config.oauth) {
      for (const c of [...config.smtp, ...config.incoming]) if (!c.host.includes('example.invalid')) oauthByHost.set(c.host, config.oauth);
    }
    for (const domain of config.domains) {
      if (byDomain.has(domain)) throw new Error(`bundled domain ${domain} is listed by two provider files`);
      byDomain.set(domain, provider);
    }
  }
  index = { providers, byDomain, oauthByHost };
  return index;
}

export function bundledProviders(): readonly BundledProvider[] {
  return buildIndex().providers;
}

/** The bundled provider for an address domain (ASCII, lower case), if we ship one. */
export function bundledProviderForDomain(asciiDomain: string): BundledProvider | undefined {
  return buildIndex().byDomain.get(asciiDomain.toLowerCase().replace(/\.$/, ''));
}

export function bundledProvider(id: BundledProviderId): BundledProvider {
  return buildIndex().providers.find((p) => p.id === id)!;
}

/**
 * The OAuth2 details of the bundled provider that runs a server host (smtp.office365.com,
 * imap.gmail.com), for settings found elsewhere (an autoconfig file that lists OAuth2 for Google's
 * or Microsoft's servers without an <oAuth2> element), as Thunderbird looks its providers up by host.
 */
export function bundledOAuthForHost(host: string): OAuthProvider | undefined {
  return buildIndex().oauthByHost.get(host.toLowerCase().replace(/\.$/, ''));
}

/** The bundled OAuth2 provider with this id ('microsoft', 'google'): its endpoints are the ones we trust for it. */
export function bundledOAuthProvider(providerId: string): OAuthProvider | undefined {
  for (const oauth of buildIndex().oauthByHost.values()) if (oauth.id === providerId) return oauth;
  return undefined;
}

/** Whether a server host is one of the bundled provider's own (its tokens may be sent there). */
export function isBundledOAuthHost(providerId: string, host: string): boolean {
  return bundledOAuthForHost(host)?.id === providerId;
}
