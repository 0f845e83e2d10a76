/** What a delivery report says, as parseDeliveryReport returns it. */

export type ReportKind = 'dsn' | 'postfix' | 'exim' | 'exchange' | 'gmail' | 'qmail' | 'sendmail' | 'other';

export interface RecipientReport {
  /** Final-Recipient address (type prefix removed), domain lower-cased. */
  recipient: string;
  /** Original-Recipient (ORCPT) when present. */
  originalRecipient: string | null;
  action: 'failed' | 'delayed' | 'delivered' | 'relayed' | 'expanded';
  /** RFC 3463 "5.1.1"; derived from the SMTP code (or the action) when the report has none. */
  status: string;
  /** Diagnostic-Code without its type, unfolded; or the server's words from a text bounce. */
  diagnostic: string | null;
  remoteMta: string | null;
}

export interface DeliveryReport {
  kind: ReportKind;
  reportMessageId: string | null;
  reportingMta: string | null;
  /** Original-Envelope-Id (RFC 3461 ENVID), xtext decoded. */
  envelopeId: string | null;
  /** Message-ID of the returned message (or of the headers quoted in a text bounce), with <>. */
  originalMessageId: string | null;
  originalSubject: string | null;
  /** ISO. Arrival-Date of the report; for text bounces, the report's own Date. */
  arrivalDate: string | null;
  recipients: RecipientReport[];
}

export type Action = RecipientReport['action'];
