/**
 * The sign-in refusals of the big providers, with their real reply texts, through the one
 * judgement of server replies (net/errors.ts smtpReplyCode) as sending (nodemailer) sees them.
 * Sources of the texts: Microsoft's "Enable or disable SMTP AUTH" and "Fix issues with printers,
 * scanners and LOB applications" pages, and the replies people report for Outlook.com and Gmail.
 */
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../shared/errors';
import { enhancedStatusOf, smtpReplyCode } from '../../src-main/services/net/errors';
import { smtpErrorToAppError } from '../../src-main/services/smtp-errors';

const ROWS: Array<[string, ErrorCode]> = [
  // Microsoft 365, SMTP AUTH off for the whole organisation (tenant), current and older wording.
  ['535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information. [AM0PR02CA0001.eurprd02.prod.outlook.com]', 'SMTP_AUTH_DISABLED_FOR_ORG'],
  ['535 5.7.3 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit https://aka.ms/smtp_auth_disabled for more information.', 'SMTP_AUTH_DISABLED_FOR_ORG'],
  // Entra ID security defaults: password SMTP blocked for every mailbox of the tenant.
  ["535 5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator.", 'SMTP_AUTH_DISABLED_FOR_ORG'],
  // Microsoft 365, SMTP AUTH off for this mailbox only.
  ['535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.', 'SMTP_AUTH_DISABLED'],
  // Outlook.com (since September 2024): passwords refused, OAuth2 only.
  ['535 5.7.139 Authentication unsuccessful, basic authentication is disabled. [BM1P287CA0015.INDP287.PROD.OUTLOOK.COM]', 'SMTP_AUTH_DISABLED'],
  // Exchange Online with Basic authentication retired for client submission.
  ['550 5.7.30 Basic authentication is not supported for Client Submission.', 'BASIC_AUTH_UNSUPPORTED'],
  // Gmail with 2-Step Verification: an app password is needed.
  ['534-5.7.9 Application-specific password required. Learn more at\n534 5.7.9 https://support.google.com/mail/?p=InvalidSecondFactor d9443c01a7336-21e2a6f3c3asm1234567b3.12 - gsmtp', 'APP_PASSWORD_REQUIRED'],
  // A plain wrong password stays a wrong password, at Microsoft too.
  ['535 5.7.3 Authentication unsuccessful [SN4PR0601CA0001.namprd06.prod.outlook.com]', 'AUTH_FAILED'],
  ['535-5.7.8 Username and Password not accepted. For more information, go to\n535 5.7.8 https://support.google.com/mail/?p=BadCredentials', 'AUTH_FAILED'],
];

describe('sign-in refusals: one code each', () => {
  it.each(ROWS)('%s → %s', (reply, expected) => {
    const code = Number(reply.slice(0, 3));
    expect(smtpReplyCode(code, 'AUTH LOGIN', enhancedStatusOf(reply), reply)).toBe(expected);
    // Sending gets the same answer from nodemailer's error.
    const err = Object.assign(new Error(`Invalid login: ${reply}`), { code: 'EAUTH', response: reply, responseCode: code, command: 'AUTH LOGIN' });
    expect(smtpErrorToAppError(err).code).toBe(expected);
  });
});
