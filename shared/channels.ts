/**
 * Channel and event names alone, without their schemas, so the sandboxed preload can build the
 * client without bundling zod. shared/ipc.ts pairs each name with its schemas, and the compiler
 * checks that the two lists agree.
 */
export const CHANNEL_NAMES = [
  'app:info',
  'preferences:set',
  'accounts:list',
  'accounts:save',
  'accounts:delete',
  'accounts:discover',
  'accounts:cancelDiscover',
  'accounts:verify',
  'oauth:signIn',
  'oauth:cancel',
  'attachments:pick',
  'attachments:dropBegin',
  'attachments:dropChunk',
  'attachments:dropEnd',
  'outbox:enqueue',
  'outbox:list',
  'outbox:undo',
  'outbox:cancel',
  'outbox:retry',
  'outbox:markSent',
  'outbox:history',
  'drafts:save',
  'drafts:list',
  'drafts:open',
  'drafts:delete',
  'mail:folders',
  'mail:list',
  'mail:search',
  'mail:open',
  'mail:setFlags',
  'mail:move',
  'mail:delete',
  'mail:allowRemote',
  'mail:saveAttachment',
  'mail:compose',
  'mail:refresh',
  'mail:statuses',
  'mail:wake',
  'app:openExternal',
  'app:notices',
  'app:dismissNotice',
  'compose:takeMailto',
  'compose:open',
  'compose:take',
  'compose:close',
  'accounts:setSendingLimits',
  'merge:load',
  'merge:check',
  'merge:review',
  'merge:preview',
  'merge:plan',
  'merge:test',
  'merge:start',
  'merge:list',
  'merge:pause',
  'merge:resume',
  'merge:cancel',
  'merge:results',
  'merge:retryFailed',
  'merge:export',
  'merge:close',
  'sandbox:status',
  'sandbox:list',
  'sandbox:open',
  'sandbox:saveSource',
  'sandbox:delete',
  'sandbox:clear',
  'sandbox:setFaults',
  'sandbox:setHidden',
] as const;
export const EVENT_NAMES = ['accounts:changed', 'accounts:verifyProgress', 'outbox:changed', 'mail:changed', 'mail:status', 'app:noticeAdded', 'app:command', 'app:open', 'compose:mailto', 'drafts:changed', 'merge:progress', 'sandbox:changed'] as const;

/** What the application menu asks the window to do (the 'app:command' event). */
export const APP_COMMANDS = [
  'new-message',
  'check-mail',
  'send',
  'reply',
  'reply-all',
  'forward',
  'search',
  'next-message',
  'previous-message',
  'delete',
  'show-outbox',
] as const;
export type AppCommand = (typeof APP_COMMANDS)[number];

export type Channel = (typeof CHANNEL_NAMES)[number];
export type EventName = (typeof EVENT_NAMES)[number];

export function isChannel(name: unknown): name is Channel {
  return typeof name === 'string' && (CHANNEL_NAMES as readonly string[]).includes(name);
}

/** The name under which the preload (and the test bridge) exposes the API on `window`. */
export const API_GLOBAL = 'mailwright';
