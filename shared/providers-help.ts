/**
 * PLACEHOLDER on branch `ui` only: the real file (provider data for gmail, icloud, yahoo, aol and
 * fastmail, and the sign-in advisor) is written on another branch and replaces this one at merge.
 * It exists so the renderer compiles against the agreed interface; the bodies below are minimal.
 */
import type { ErrorCode } from './errors';

export interface AppPasswordHelp {
  providerId: string;
  providerName: string;
  what: string;
  needsFirst: string;
  url: string;
  codes: ErrorCode[];
}

const HELP: Record<string, AppPasswordHelp> = {
  gmail: {
    providerId: 'gmail',
    providerName: 'Google',
    what: 'An app password is a 16-character code that gives a mail app access to your Google Account.',
    needsFirst: 'You need 2-Step Verification turned on first.',
    url: 'https://myaccount.google.com/apppasswords',
    codes: ['APP_PASSWORD_REQUIRED', 'AUTH_FAILED'],
  },
};

export function appPasswordHelp(providerId: string | undefined): AppPasswordHelp | undefined {
  return providerId ? HELP[providerId] : undefined;
}

export interface SignInAdvice {
  title: string;
  explanation: string;
  whatToDo: string;
  adminText?: string;
}

export function adviseSignIn(input: { code: ErrorCode; serverReply?: string; providerId?: string; email?: string; host?: string }): SignInAdvice | undefined {
  if (input.code !== 'SMTP_AUTH_DISABLED_FOR_ORG') return undefined;
  return {
    title: 'Sending from mail apps is switched off for your organisation.',
    explanation: 'Your Microsoft 365 organisation does not allow apps to send with a password.',
    whatToDo: 'Ask your administrator, or sign in with your browser (OAuth2).',
    adminText: `Please enable authenticated SMTP for ${input.email ?? 'my mailbox'}.`,
  };
}

export interface SignInFact {
  text: string;
  kind: 'how' | 'change';
}

export function signInFacts(input: { email: string; smtpHost: string; auth: 'password' | 'oauth2' | 'none'; providerId?: string }): SignInFact[] {
  return /(^|\.)office365\.com$/i.test(input.smtpHost) && input.auth === 'password'
    ? [{ kind: 'change', text: 'Microsoft 365 turns off password sign-in for sending at the end of December 2026.' }]
    : [];
}
