/**
 * OAuth2 sign-in (RFC 6749 with PKCE, RFC 7636; native apps, RFC 8252) as data. A provider is a
 * record, not code: the bundled Microsoft and Google entries, and any provider whose config-v1.1
 * file names OAuth2, all go through the same sign-in and token code in main.
 */
import { z } from 'zod';

/**
 * An endpoint the person's browser or Mailwright talks to: https, or http only on the loopback
 * address (a provider running on the person's own machine, as in the tests).
 */
export const OAuthEndpointSchema = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .refine((u) => {
    // Refinements run even when the URL check above failed, so a string that is no URL lands here too.
    const url = URL.parse(u);
    return url !== null && (url.protocol === 'https:' || url.hostname === '127.0.0.1' || url.hostname === '[::1]' || url.hostname === 'localhost');
  }, { message: 'https_required' });

export const OAuthScopeSchema = z.string().min(1).max(500).regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/);

/** What a provider publishes about signing in: from a bundled provider file or a config-v1.1 `<oAuth2>` element. */
export const OAuthProviderSchema = z.object({
  /** 'microsoft', 'google', or the issuer for a provider known only from its config file. */
  id: z.string().min(1).max(200),
  /** The provider's name for people: "Microsoft", "Google". */
  name: z.string().min(1).max(200),
  /**
   * The issuer: an URL (OpenID Connect, RFC 8414) or a host name (config-v1.1). An `iss` in the
   * authorization response (RFC 9207) must match it.
   */
  issuer: z.string().min(1).max(500),
  authorizationEndpoint: OAuthEndpointSchema,
  tokenEndpoint: OAuthEndpointSchema,
  scopes: z.array(OAuthScopeSchema).min(1).max(20),
});
export type OAuthProvider = z.infer<typeof OAuthProviderSchema>;

/** An account's OAuth2 settings: the provider, and the client ID it signs in with. The tokens are in the secret store. */
export const OAuthSettingsSchema = OAuthProviderSchema.extend({
  clientId: z.string().min(1).max(500),
  /** true: the person's (or their organisation's) own registration; false: the one shipped with Mailwright. */
  ownClientId: z.boolean(),
});
export type OAuthSettings = z.infer<typeof OAuthSettingsSchema>;

/** What discovery tells the wizard about OAuth2 for an address. */
export const OAuthOfferSchema = z.object({
  provider: OAuthProviderSchema,
  /** Mailwright ships a client ID for this provider (else the person needs their own, or an app password). */
  shippedClientId: z.string().min(1).max(500).nullable(),
});
export type OAuthOffer = z.infer<typeof OAuthOfferSchema>;

/** One sign-in through the system browser. */
export const OAuthSignInRequestSchema = z
  .object({
    /** Chosen by the renderer, so it can cancel. */
    runId: z.string().min(1).max(64),
    provider: OAuthProviderSchema,
    /** The person's own client ID ("Use my own client ID"); absent: the shipped one. */
    ownClientId: z.string().trim().min(1).max(500).optional(),
    /** The address being signed in, given to the provider as login_hint. */
    loginHint: z.string().max(320).optional(),
    /**
     * "Sign in again" for a saved account: on success the new grant is stored for it at once and its
     * waiting messages go out. Absent in the wizard, where the grant is kept until the account is saved.
     */
    accountId: z.uuid().optional(),
  })
  .strict();

export const OAuthSignInResultSchema = z.object({
  /**
   * The grant held in main (never its tokens); accounts:verify and accounts:save take it. Null when
   * the grant was stored for `accountId` right away ("Sign in again"): checks then use the account's grant.
   */
  session: z.uuid().nullable(),
  /** The client ID that was used. */
  clientId: z.string(),
  ownClientId: z.boolean(),
  /** Scopes the provider granted, as it reported them. */
  scopes: z.array(z.string()),
  /** True when the grant was stored for `accountId` right away. */
  stored: z.boolean(),
});
export type OAuthSignInResult = z.infer<typeof OAuthSignInResultSchema>;
