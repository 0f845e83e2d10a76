export { parseDeliveryReport, type DeliveryReport, type RecipientReport, type ReportKind } from './parse';
export { linkReport, type LinkedRecipient, type SentMessageRef } from './link';
export { looksLikeDeliveryReport, type CandidateHeaders } from './candidate';
