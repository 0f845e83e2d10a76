/**
 * Reading mail as the renderer sees it: folders with their roles, pages of message summaries,
 * one opened message, and what can be done with it. The same shapes serve IMAP (the server's
 * folders and UIDs) and POP3 (Mailwright's own local folders, with local numbers as UIDs).
 * Imports nothing from electron, node or the DOM.
 */
import { z } from 'zod';
import { ERROR_CODE_LIST } from './errors';
import { AccountIdSchema } from './model';

/** RFC 6154 special-use roles (plus the inbox), named for people rather than by flag. */
export const FOLDER_ROLES = ['inbox', 'sent', 'drafts', 'trash', 'junk', 'archive', 'all', 'flagged'] as const;
export const FolderRoleSchema = z.enum(FOLDER_ROLES);
export type FolderRole = z.infer<typeof FolderRoleSchema>;

export const FolderPathSchema = z.string().min(1).max(1000).refine((s) => !/[\r\n\0]/.test(s), { message: 'single_line' });

export const FolderSchema = z.object({
  /** The server's path (IMAP) or a local name (POP3); what every request names the folder by. */
  path: FolderPathSchema,
  /** The last segment, decoded, for display. */
  name: z.string(),
  delimiter: z.string().nullable(),
  role: FolderRoleSchema.nullable(),
  /** \Noselect folders are shown for the tree but hold no messages. */
  selectable: z.boolean(),
  total: z.number().int().nonnegative().nullable(),
  unseen: z.number().int().nonnegative().nullable(),
});
export type Folder = z.infer<typeof FolderSchema>;

export const MailAddressSchema = z.object({ name: z.string(), address: z.string() });
export type MailAddress = z.infer<typeof MailAddressSchema>;

export const UidSchema = z.number().int().positive().max(2 ** 32);

export const MessageSummarySchema = z.object({
  uid: UidSchema,
  from: MailAddressSchema.nullable(),
  to: z.array(MailAddressSchema),
  subject: z.string(),
  /** ISO 8601; the Date header, else the server's arrival time. */
  date: z.string(),
  seen: z.boolean(),
  flagged: z.boolean(),
  answered: z.boolean(),
  size: z.number().int().nonnegative(),
  messageId: z.string().nullable(),
  /** The message looks like a delivery report (bounce, delay, or delivery notice). */
  isDeliveryReport: z.boolean(),
});
export type MessageSummary = z.infer<typeof MessageSummarySchema>;

export const MessagePageSchema = z.object({
  folder: FolderPathSchema,
  /** Messages in the folder (or matches of the search). */
  total: z.number().int().nonnegative(),
  /** Position of the first message of this page, counted from the newest (0). */
  offset: z.number().int().nonnegative(),
  /** Newest first. */
  messages: z.array(MessageSummarySchema),
});
export type MessagePage = z.infer<typeof MessagePageSchema>;

export const MessageRefSchema = z.object({ accountId: AccountIdSchema, folder: FolderPathSchema, uid: UidSchema }).strict();
export type MessageRef = z.infer<typeof MessageRefSchema>;

export const AttachmentInfoSchema = z.object({
  /** Position among the message's attachments; what mail:saveAttachment names. */
  index: z.number().int().nonnegative(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
});
export type AttachmentInfo = z.infer<typeof AttachmentInfoSchema>;

/** Why remote content of a message may load: the person allowed it for this message or this sender. */
export const RemoteContentSchema = z.object({ allowed: z.boolean(), scope: z.enum(['message', 'sender']).nullable() });

export const MessageViewSchema = z.object({
  ref: MessageRefSchema,
  messageId: z.string().nullable(),
  inReplyTo: z.string().nullable(),
  references: z.array(z.string()),
  from: MailAddressSchema.nullable(),
  replyTo: z.array(MailAddressSchema),
  to: z.array(MailAddressSchema),
  cc: z.array(MailAddressSchema),
  subject: z.string(),
  /** ISO 8601 from the Date header; '' when the message has none that can be read. */
  date: z.string(),
  /** The plain-text part (or text derived from the HTML). */
  text: z.string(),
  /**
   * The HTML part as the sender wrote it, NOT sanitized: the renderer sanitizes it (DOMPurify) and
   * shows it only in a sandboxed frame with its own CSP. cid: references are left as they are.
   */
  html: z.string().nullable(),
  /** Inline images (cid: targets) as data: URLs, small ones only; the frame's CSP allows data: images. */
  inlineImages: z.record(z.string(), z.string()),
  attachments: z.array(AttachmentInfoSchema),
  remoteContent: RemoteContentSchema,
  /** When the message is a delivery report: what it says, per recipient. */
  deliveryReport: z
    .object({
      recipients: z.array(
        z.object({ recipient: z.string(), action: z.string(), status: z.string(), diagnostic: z.string().nullable() }),
      ),
      /** The sent message it was linked to, if any. */
      linkedJobId: z.string().nullable(),
    })
    .nullable(),
});
export type MessageView = z.infer<typeof MessageViewSchema>;

export const SearchQuerySchema = z.string().trim().min(1).max(200).refine((s) => !/[\r\n\0]/.test(s), { message: 'single_line' });

/** Connection state of an account's incoming server, pushed as it changes. */
export const MailStatusSchema = z.object({
  accountId: AccountIdSchema,
  state: z.enum(['connecting', 'online', 'offline', 'error']),
  /** When offline or in error: the next automatic attempt (ISO). */
  retryAt: z.string().nullable(),
  error: z.object({ code: z.enum(ERROR_CODE_LIST), message: z.string() }).nullable(),
});
export type MailStatus = z.infer<typeof MailStatusSchema>;

export const MailChangedSchema = z.object({
  accountId: AccountIdSchema,
  folder: FolderPathSchema,
  /** new: messages arrived; flags: seen/flagged changed; removed: moved away or deleted; sync: reload. */
  reason: z.enum(['new', 'flags', 'removed', 'sync']),
});
export type MailChanged = z.infer<typeof MailChangedSchema>;

export const REPLY_MODES = ['reply', 'replyAll', 'forward'] as const;
export const ReplyModeSchema = z.enum(REPLY_MODES);
export type ReplyMode = z.infer<typeof ReplyModeSchema>;
