/**
 * Help about signing in, as data the renderer shows: app passwords per provider, the sign-in
 * advisor for the refusals people meet, and what is known to change about how an account signs in.
 *
 * Shared and free of Node, Electron and the DOM (only type imports), so the wizard and the account
 * view render these words directly. Everything here is for people: no codes, no library names.
 * Provider ids are the bundled provider files' ids (src-main/services/discovery/providers/), which
 * discovery reports as DiscoveryResult.providerId; the OAuth2 provider ids 'microsoft' and 'google'
 * are understood too.
 */
import type { ErrorCode } from './errors';

// ---------------------------------------------------------------------------------------------
// App passwords

export const APP_PASSWORD_PROVIDER_IDS = ['gmail', 'icloud', 'yahoo', 'aol', 'fastmail'] as const;
export type AppPasswordProviderId = (typeof APP_PASSWORD_PROVIDER_IDS)[number];

export interface AppPasswordHelp {
  providerId: AppPasswordProviderId;
  /** The provider's name for people. */
  providerName: string;
  /** What the provider calls it ("app password", "app-specific password"). */
  term: string;
  /** What it is, in the provider's own terms. */
  whatItIs: string;
  /** What the account needs before one can be made (Gmail: 2-Step Verification). */
  needsFirst: string;
  /** Where to click on the provider's page, in order. */
  steps: string[];
  /** The provider's page where one is made: https, opened in the system browser. */
  pageUrl: string;
  /** Link text for pageUrl. */
  pageLabel: string;
  /** The refusals of a password that lead to this help for this provider. */
  refusals: ErrorCode[];
}

/**
 * Written from each provider's own help page (named per entry); the pages are where the provider
 * says an app password is made today.
 */
export const APP_PASSWORD_HELP: Readonly<Record<AppPasswordProviderId, AppPasswordHelp>> = {
  // Google Account Help, "Sign in with app passwords" (support.google.com/accounts/answer/185833).
  gmail: {
    providerId: 'gmail',
    providerName: 'Gmail',
    term: 'app password',
    whatItIs:
      'An app password is a 16-character code that lets a mail app like Mailwright use your Google Account without your Google password. You type it into Mailwright once, instead of your password.',
    needsFirst:
      'Your Google Account needs 2-Step Verification turned on. Work and school accounts can make app passwords only if their administrator allows it.',
    steps: ['Open the App passwords page of your Google Account and sign in.', 'Type a name, such as "Mailwright", and choose Create.', 'Copy the 16-character code into the password field in Mailwright.'],
    pageUrl: 'https://myaccount.google.com/apppasswords',
    pageLabel: 'Google Account: App passwords',
    refusals: ['APP_PASSWORD_REQUIRED', 'AUTH_FAILED'],
  },
  // Apple Support, "Sign in to apps with your Apple Account using app-specific passwords" (support.apple.com/102654).
  icloud: {
    providerId: 'icloud',
    providerName: 'iCloud Mail',
    term: 'app-specific password',
    whatItIs:
      'An app-specific password lets an app made by a developer other than Apple, like Mailwright, sign in to your iCloud Mail without your Apple Account password. iCloud Mail refuses your Apple Account password in such apps.',
    needsFirst: 'Your Apple Account needs two-factor authentication turned on.',
    steps: ['Sign in at account.apple.com.', 'In Sign-In and Security, select App-Specific Passwords.', 'Generate an app-specific password named "Mailwright" and paste it into Mailwright.'],
    pageUrl: 'https://account.apple.com/account/manage',
    pageLabel: 'Apple Account: Sign-In and Security',
    refusals: ['APP_PASSWORD_REQUIRED', 'AUTH_FAILED'],
  },
  // Yahoo Help, "Generate and manage 3rd-party app passwords" (help.yahoo.com, SLN15241).
  yahoo: {
    providerId: 'yahoo',
    providerName: 'Yahoo Mail',
    term: 'app password',
    whatItIs:
      'An app password is a randomly generated code that gives a non-Yahoo app, like Mailwright, permission to use your Yahoo Mail. Yahoo Mail does not accept your Yahoo password in such apps.',
    needsFirst:
      'Nothing to turn on first. Yahoo offers app passwords only in a browser you have used to sign in to Yahoo for several days in a row, and not in a private (incognito) window.',
    steps: ['Sign in to your Yahoo Account Security page.', 'Under "External connections", choose Create app password.', 'Enter "Mailwright", choose Generate password, and paste the code into Mailwright.'],
    pageUrl: 'https://login.yahoo.com/account/security',
    pageLabel: 'Yahoo Account Security',
    refusals: ['APP_PASSWORD_REQUIRED', 'AUTH_FAILED'],
  },
  // AOL Help, "Generate and manage third-party app passwords" (AOL accounts are run by Yahoo).
  aol: {
    providerId: 'aol',
    providerName: 'AOL Mail',
    term: 'app password',
    whatItIs:
      'An app password is a randomly generated code that gives a non-AOL app, like Mailwright, permission to use your AOL Mail. AOL Mail does not accept your AOL password in such apps.',
    needsFirst: 'Nothing to turn on first: AOL offers app passwords on the Account Security page of every AOL account.',
    steps: ['Sign in to your AOL Account Security page.', 'Choose Generate app password (or Generate and manage app passwords).', 'Enter "Mailwright", choose Generate password, and paste the code into Mailwright.'],
    pageUrl: 'https://login.aol.com/account/security',
    pageLabel: 'AOL Account Security',
    refusals: ['APP_PASSWORD_REQUIRED', 'AUTH_FAILED'],
  },
  // Fastmail Help, "App passwords" (fastmail.help): every third-party app needs its own.
  fastmail: {
    providerId: 'fastmail',
    providerName: 'Fastmail',
    term: 'app password',
    whatItIs:
      'Every app other than Fastmail\'s own needs its own app password to reach your mail; your normal Fastmail password does not work in Mailwright. You can revoke an app password on its own at any time.',
    needsFirst:
      'A Fastmail plan that includes IMAP and SMTP (the Basic plan does not). Two-step verification is not needed.',
    steps: ['Sign in to Fastmail and open Settings, then Privacy & Security.', 'On the Integrations tab, choose New App Password.', 'Name it "Mailwright", allow Mail access, choose Generate Password, and paste it into Mailwright.'],
    pageUrl: 'https://app.fastmail.com/settings/security',
    pageLabel: 'Fastmail: Privacy & Security',
    refusals: ['APP_PASSWORD_REQUIRED', 'AUTH_FAILED'],
  },
};

const isAppPasswordProvider = (id: string | undefined): id is AppPasswordProviderId =>
  id !== undefined && (APP_PASSWORD_PROVIDER_IDS as readonly string[]).includes(id);

/** The app-password help for a provider ('gmail'; the OAuth2 id 'google' means Gmail too), if it has app passwords. */
export function appPasswordHelp(providerId: string | undefined): AppPasswordHelp | undefined {
  const id = providerId === 'google' ? 'gmail' : providerId;
  return isAppPasswordProvider(id) ? APP_PASSWORD_HELP[id] : undefined;
}

/** The app-password help a refusal of a password leads to for this provider, if any. */
export function appPasswordHelpForRefusal(code: ErrorCode, providerId: string | undefined): AppPasswordHelp | undefined {
  const help = appPasswordHelp(providerId);
  return help?.refusals.includes(code) ? help : undefined;
}

// ---------------------------------------------------------------------------------------------
// Which provider: from the provider id discovery gave, else from the server's host name.

type Family = 'outlook' | 'microsoft365' | 'google' | 'other';

function familyOf(providerId: string | undefined, host: string | undefined): Family {
  if (providerId === 'outlook') return 'outlook';
  if (providerId === 'microsoft365') return 'microsoft365';
  if (providerId === 'gmail' || providerId === 'google') return 'google';
  const h = (host ?? '').toLowerCase().replace(/\.$/, '');
  if (h === 'smtp-mail.outlook.com') return 'outlook';
  if (h === 'smtp.office365.com' || h === 'outlook.office365.com' || h.endsWith('.mail.protection.outlook.com')) return 'microsoft365';
  if (h.endsWith('.gmail.com') || h.endsWith('.googlemail.com')) return 'google';
  if (providerId === 'microsoft') return 'microsoft365';
  return 'other';
}

const isMicrosoft = (f: Family) => f === 'outlook' || f === 'microsoft365';

// ---------------------------------------------------------------------------------------------
// The sign-in advisor

export interface SignInAdvice {
  title: string;
  /** What happened, in plain words. */
  explanation: string;
  /** What the person can do. */
  whatToDo: string;
  /** For refusals only an administrator can fix: a short, polite, complete message to copy and send them. */
  adminText?: string;
  /** When an app password is the way: the provider's help for making one. */
  appPassword?: AppPasswordHelp;
}

export interface SignInAdviceInput {
  code: ErrorCode;
  /** The server's reply as it came ("535 5.7.139 Authentication unsuccessful, ..."), to tell apart refusals that share a code. */
  serverReply?: string;
  /** DiscoveryResult.providerId or the OAuth2 provider id ('microsoft', 'google'). */
  providerId?: string;
  /** The account's address (its mailbox), named in the text for the administrator. */
  email?: string;
  /** The server's host name, when the provider is not known by id. */
  host?: string;
  /** The OAuth2 client ID Mailwright signed in with, named in the text for the administrator. */
  clientId?: string;
}

const mailbox = (email: string | undefined) => (email ? `the mailbox ${email}` : 'my mailbox');
const who = (email: string | undefined) => (email ? ` (${email})` : '');
const clientApp = (clientId: string | undefined) => (clientId ? `the app "Mailwright" with client ID ${clientId}` : 'the app "Mailwright"');
const OAUTH_CHOICE = '"Sign in with your browser (OAuth2)"';
const M365_MAILBOX_PATH = 'Microsoft 365 admin center → Users → Active users → (the user) → Mail → Manage email apps → Authenticated SMTP';

/**
 * Plain-words advice for a sign-in refusal, or undefined when the code is not a sign-in refusal
 * the advisor knows (the renderer's ordinary words for the code apply then).
 */
export function adviseSignIn(input: SignInAdviceInput): SignInAdvice | undefined {
  const { code, email, clientId } = input;
  const reply = input.serverReply ?? '';
  const family = familyOf(input.providerId, input.host);

  switch (code) {
    case 'SMTP_AUTH_DISABLED': {
      if (family === 'outlook' || /basic authentication is disabled/i.test(reply)) {
        return {
          title: 'Outlook.com no longer accepts passwords in mail apps',
          explanation:
            'Since September 2024 Microsoft refuses password sign-in for Outlook.com, Hotmail, Live and MSN addresses in every mail app. App passwords do not help either.',
          whatToDo: `In this account's settings, choose ${OAUTH_CHOICE} and sign in with your Microsoft account. Mailwright then keeps no password at all.`,
        };
      }
      return {
        title: 'Sending with a mail app is switched off for your mailbox',
        explanation:
          'Your organisation\'s Microsoft 365 lets administrators switch "Authenticated SMTP" on or off for each mailbox. For your mailbox it is off, so the server refuses every mail app, whatever it signs in with.',
        whatToDo: 'Only an administrator of your organisation can switch it on. Send them the text below.',
        adminText:
          `Hello, my mail app Mailwright cannot send from ${mailbox(email)} because Authenticated SMTP is switched off for it (Microsoft replies "535 5.7.139 SmtpClientAuthentication is disabled for the Mailbox"). ` +
          `Could you please enable Authenticated SMTP for ${mailbox(email)}? It is in ${M365_MAILBOX_PATH}` +
          (email ? `, or in Exchange Online PowerShell: Set-CASMailbox -Identity ${email} -SmtpClientAuthenticationDisabled $false` : '') +
          '. Mailwright signs in with modern authentication (OAuth2) where possible. Thank you!',
      };
    }

    case 'SMTP_AUTH_DISABLED_FOR_ORG': {
      if (/security defaults/i.test(reply)) {
        return {
          title: 'Your organisation blocks password sign-in for mail apps',
          explanation:
            'Your organisation uses Microsoft\'s "security defaults", which refuse passwords in mail apps for every mailbox. Signing in through Microsoft\'s own page is allowed.',
          whatToDo: `In this account's settings, choose ${OAUTH_CHOICE} and sign in with your work account. If sending still fails after that, send your administrator the text below.`,
          adminText:
            `Hello, I am setting up the mail app Mailwright for ${mailbox(email)}. Our security defaults refuse passwords, so I sign in with modern authentication (OAuth2). ` +
            `For sending to work that way, Authenticated SMTP must be on for ${mailbox(email)}: ${M365_MAILBOX_PATH}. Could you please check that setting? Thank you!`,
        };
      }
      return {
        title: 'Your organisation has switched off sending from mail apps',
        explanation:
          'An administrator of your organisation has turned SMTP sign-in off for everyone in Microsoft 365. The server then refuses every mail app that sends over SMTP, whether it signs in with a password or through the browser.',
        whatToDo: 'Only an administrator can allow it, for the whole organisation or just for your mailbox. Send them the text below.',
        adminText:
          `Hello, my mail app Mailwright cannot send from ${mailbox(email)} because SMTP AUTH is turned off for our organisation (Microsoft replies "SmtpClientAuthentication is disabled for the Tenant"). ` +
          `Could you please enable Authenticated SMTP just for ${mailbox(email)}? The mailbox setting overrides the organisation's: ${M365_MAILBOX_PATH}` +
          (email ? ` (or: Set-CASMailbox -Identity ${email} -SmtpClientAuthenticationDisabled $false)` : '') +
          '. The organisation-wide switch is Exchange admin center → Settings → Mail flow → "Turn off SMTP AUTH protocol for your organization". ' +
          'Mailwright signs in with modern authentication (OAuth2). Thank you!',
      };
    }

    case 'BASIC_AUTH_UNSUPPORTED':
      return {
        title: 'This server no longer accepts passwords for sending',
        explanation:
          'Microsoft has retired password sign-in ("Basic authentication") for sending from this mailbox. Only modern sign-in through Microsoft\'s page works now; no setting brings passwords back.',
        whatToDo: `In this account's settings, choose ${OAUTH_CHOICE} and sign in with your Microsoft account.`,
      };

    case 'SIGN_IN_ADMIN_APPROVAL':
      if (family === 'google') {
        return {
          title: 'Your organisation must approve Mailwright first',
          explanation: 'Your Google Workspace lets people use only the apps its administrator has approved, and Mailwright is not approved yet.',
          whatToDo: 'Send your administrator the text below. Once they approve Mailwright, sign in again.',
          adminText:
            `Hello, I would like to use the mail app Mailwright with my Google Workspace account${who(email)}. Google asks for administrator approval. ` +
            `Could you please mark ${clientApp(clientId)} as trusted? It is in Google Admin console → Security → Access and data control → API controls → Manage Third-Party App Access → Configure new app. ` +
            'It asks for the Gmail scope https://mail.google.com/ (read and send mail over IMAP, POP and SMTP). Thank you!',
        };
      }
      return {
        title: 'Your organisation must approve Mailwright first',
        explanation:
          'Microsoft showed "Need admin approval" (AADSTS65001): your organisation lets only apps an administrator has approved read and send mail, and Mailwright is not approved yet. Nothing you can do on your side changes that.',
        whatToDo: 'Send your administrator the text below. Once they grant consent, sign in again.',
        adminText:
          `Hello, I would like to use the mail app Mailwright with my work account${who(email)}, and Microsoft asks for administrator approval (AADSTS65001). ` +
          `Could you please grant tenant-wide admin consent to ${clientApp(clientId)}? It asks for these delegated permissions: SMTP.Send, IMAP.AccessAsUser.All, POP.AccessAsUser.All and offline_access. ` +
          'It is in the Microsoft Entra admin center → Enterprise applications → Mailwright → Permissions → Grant admin consent' +
          (clientId ? `, or directly at https://login.microsoftonline.com/organizations/adminconsent?client_id=${encodeURIComponent(clientId)}` : '') +
          '. Thank you!',
      };

    case 'SIGN_IN_BLOCKED_BY_POLICY':
      if (isMicrosoft(family)) {
        return {
          title: 'Your organisation\'s policy blocked this sign-in',
          explanation:
            'Microsoft refused the sign-in because of a rule your organisation set (a Conditional Access policy), for example one that allows only certain apps or devices.',
          whatToDo: 'Only an administrator can change the rule or make an exception. Send them the text below.',
          adminText:
            `Hello, signing in to the mail app Mailwright with my work account${who(email)} is blocked by one of our Conditional Access policies. ` +
            `Could you please look up my failed sign-in in the Microsoft Entra admin center → Sign-in logs and allow ${clientApp(clientId)} for mail (IMAP, POP and SMTP)? Thank you!`,
        };
      }
      return {
        title: 'Your organisation blocks Mailwright',
        explanation:
          'Google refused the sign-in because your Google Workspace administrator has blocked this app (admin_policy_enforced). Workspace administrators can also forbid app passwords, so signing in through Google is the only way in.',
        whatToDo: 'Only your administrator can allow Mailwright. Send them the text below, then sign in again.',
        adminText:
          `Hello, I would like to use the mail app Mailwright with my Google Workspace account${who(email)}, but our policy blocks it (admin_policy_enforced). ` +
          `Could you please allow ${clientApp(clientId)} in Google Admin console → Security → Access and data control → API controls → Manage Third-Party App Access (set it to Trusted)? ` +
          'It uses the Gmail scope https://mail.google.com/ to read and send my mail. Thank you!',
      };

    case 'OAUTH_CLIENT_MISSING': {
      // No client ID shipped for this provider and none of the person's own: say so plainly, and
      // offer the app-password route where the provider has one.
      const help = appPasswordHelp(input.providerId) ?? (family === 'google' ? APP_PASSWORD_HELP.gmail : undefined);
      const name = isMicrosoft(family) ? 'Microsoft' : family === 'google' ? 'Google' : 'this provider';
      return {
        title: `This copy of Mailwright has no client ID for ${name}`,
        explanation: `Signing in through ${name}'s page needs Mailwright to be registered with ${name} (a "client ID"). Whoever built this copy did not include one.`,
        whatToDo: help
          ? `Use an ${help.term} instead: make one on ${help.pageLabel} and choose password sign-in. Or, if your organisation registered its own app, enter its client ID under "Use my own client ID".`
          : 'If your organisation registered its own app, enter its client ID under "Use my own client ID" in the advanced settings. Otherwise ask whoever provides your copy of Mailwright for a build that includes one.',
        ...(help ? { appPassword: help } : {}),
      };
    }

    case 'APP_PASSWORD_REQUIRED': {
      const help = appPasswordHelp(input.providerId) ?? (family === 'google' ? APP_PASSWORD_HELP.gmail : undefined);
      const name = help?.providerName ?? 'Your provider';
      return {
        title: `${name} wants an app password`,
        explanation: help
          ? `${name} does not accept your normal password in mail apps. ${help.whatItIs}`
          : 'Your provider does not accept your normal password in mail apps: it wants a password made just for this app.',
        whatToDo:
          (help
            ? `Make an ${help.term} on ${help.pageLabel} and type it into Mailwright instead of your password. ${help.needsFirst}`
            : 'Make an app password on your provider\'s account page and type it into Mailwright instead of your password.') +
          (family === 'google' || isMicrosoft(family) ? ` Or, simpler, choose ${OAUTH_CHOICE} in this account's settings.` : ''),
        ...(help ? { appPassword: help } : {}),
      };
    }

    case 'AUTH_FAILED': {
      // Only where a normal password never works in mail apps: there, the app password is the answer.
      const help = appPasswordHelpForRefusal('AUTH_FAILED', input.providerId);
      if (!help) return undefined;
      return {
        title: `${help.providerName} refused the password`,
        explanation: `${help.providerName} accepts only an ${help.term} in mail apps, not the password you use on its website. ${help.whatItIs}`,
        whatToDo: `If you typed your normal password, make an ${help.term} on ${help.pageLabel} and use that instead. If you already used one, check it was copied whole, or make a new one.`,
        appPassword: help,
      };
    }

    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// How an account signs in, and what is known to change

export interface SignInFactsInput {
  smtpHost: string;
  auth: 'password' | 'oauth2' | 'none';
  providerId?: string;
}

export interface SignInChange {
  /** When, in words ("since September 2024", "end of December 2026"). */
  when: string;
  text: string;
  /** Whether it concerns this account as it is set up now (false: it is already ready for it). */
  affectsThisAccount: boolean;
  /** Where it was announced, when there is a public reference. */
  reference?: string;
}

export interface SignInFacts {
  /** How the account signs in, in one sentence. */
  how: string;
  changes: SignInChange[];
}

export function signInFacts(account: SignInFactsInput): SignInFacts {
  const family = familyOf(account.providerId, account.smtpHost);
  const providerName = isMicrosoft(family) ? 'Microsoft' : family === 'google' ? 'Google' : 'your provider';
  const how =
    account.auth === 'oauth2'
      ? `Signs in through ${providerName}'s page in your browser (OAuth2). Mailwright keeps no password, only a sign-in that ${providerName} can revoke.`
      : account.auth === 'password'
        ? 'Signs in with a password, kept in your system\'s secure storage.'
        : 'Sends without signing in (the server accepts mail from your network).';
  const changes: SignInChange[] = [];
  const password = account.auth === 'password';
  if (family === 'outlook') {
    changes.push({
      when: 'since September 2024',
      text: password
        ? 'Outlook.com, Hotmail, Live and MSN refuse passwords in mail apps. Switch this account to "Sign in with your browser (OAuth2)".'
        : 'Outlook.com, Hotmail, Live and MSN accept only sign-in through Microsoft\'s page. This account already signs in that way.',
      affectsThisAccount: password,
    });
  }
  if (family === 'microsoft365') {
    changes.push({
      when: 'end of December 2026',
      text: password
        ? 'Microsoft switches password sign-in for sending (SMTP AUTH with Basic authentication) off by default for existing Microsoft 365 organisations; new organisations never have it. Switch this account to "Sign in with your browser (OAuth2)" before then.'
        : 'Microsoft switches password sign-in for sending off by default for existing Microsoft 365 organisations. This account signs in through Microsoft\'s page and is not affected.',
      affectsThisAccount: password,
      reference: 'Microsoft 365 message center MC786329',
    });
  }
  if (family === 'google' && password) {
    changes.push({
      when: 'now',
      text: 'Gmail accepts passwords in mail apps only as app passwords, which need 2-Step Verification; a Google Workspace administrator can turn app passwords off at any time. "Sign in with your browser (OAuth2)" does not depend on them.',
      affectsThisAccount: true,
    });
  }
  return { how, changes };
}
