/**
 * One way for integration tests to start the main-process backend: the same createBackend the app
 * calls, on conf in a data folder with the app-key cipher, a silent logger (console with
 * DEBUG_BACKEND=1), the trusted window's sender, and the router wrapped by checkReplies so every
 * reply can be checked against its channel's response schema (`router.offSchema`). Any
 * BackendOptions field can be overridden or added; `ca` trusts the test servers' throwaway CA for
 * sending and mail, `undoSeconds` sets the preference before the outbox opens. Start it again on the
 * same folder to restart the app.
 */
import type { Channel, ResponseOf } from '../../shared/ipc';
import type { AppError, Result } from '../../shared/result';
import { createBackend, type Backend, type BackendOptions } from '../../src-main/backend';
import type { Emit } from '../../src-main/ipc/handlers';
import { createSenderPolicy, type IpcSender } from '../../src-main/ipc/router';
import { silentLogger, type Logger } from '../../src-main/services/logger';
import { createAppKeyCipher, openSecretFileInFolder } from '../../src-main/services/secrets';
import { openSettingsInFolder } from '../../src-main/services/settings-store';
import { checkReplies, type CheckedRouter } from './checked-router';

export const APP_VERSION = '0.2.0';
export const APP_ORIGIN = 'app://mailwright';
/** The app's own window: the one sender the backend's router trusts. */
export const trustedSender: IpcSender = { contentsId: 1, isMainFrame: true, url: `${APP_ORIGIN}/index.html` };

export interface StartBackendOptions extends Partial<Omit<BackendOptions, 'dataDir'>> {
  /** The test servers' CA (MailServers.ca): trusted for sending unless `smtp` is given. */
  ca?: string;
  /** The undo-send preference, written to the settings before the backend starts. */
  undoSeconds?: number;
}

/** A pushed event as the renderer would receive it. */
export interface PushedEvent {
  event: string;
  payload: unknown;
}

export interface StartedBackend {
  backend: Backend;
  /** The backend's router, wrapped to record replies off their channel's schema. */
  router: CheckedRouter;
  sender: IpcSender;
  dataDir: string;
  /** Every event the backend pushed, in order (also handed to `options.emit`). */
  pushed: PushedEvent[];
  /**
   * A request from the trusted window. The reply's type is the channel's response in the contract,
   * unless the caller names one (`call<Account>(...)`).
   */
  call: Ask<'result'>;
  /** As `call`, for a request that must succeed: its value, or a thrown error naming the channel. */
  value: Ask<'value'>;
  /** As `call`, for a request that must fail: its error, or a thrown error if it succeeded. */
  errorOf(channel: Channel, request: unknown): Promise<AppError>;
  close(): Promise<void>;
}

/** Typed by the channel's response, or by the type the caller names. */
export interface Ask<K extends 'result' | 'value'> {
  <C extends Channel>(channel: C, request: unknown): Promise<K extends 'result' ? Result<ResponseOf<C>> : ResponseOf<C>>;
  <T>(channel: Channel, request: unknown): Promise<K extends 'result' ? Result<T> : T>;
}

/** Console output, for DEBUG_BACKEND=1. */
const consoleLogger: Logger = { info: console.log, warn: console.log, error: console.log };

export async function startBackend(dataDir: string, options: StartBackendOptions = {}): Promise<StartedBackend> {
  const { ca, undoSeconds, emit, ...overrides } = options;
  const settings = overrides.settings ?? openSettingsInFolder(dataDir, APP_VERSION);
  if (undoSeconds !== undefined) settings.set('preferences', { ...settings.get('preferences'), undoSeconds });
  const pushed: PushedEvent[] = [];
  const record: Emit = (event, payload) => {
    pushed.push({ event, payload });
    emit?.(event, payload);
  };
  const backend = await createBackend({
    pickFiles: async () => [],
    secretFile: openSecretFileInFolder(dataDir),
    cipher: createAppKeyCipher(dataDir),
    logger: process.env.DEBUG_BACKEND ? consoleLogger : silentLogger,
    app: { version: APP_VERSION, platform: process.platform },
    ...(ca !== undefined ? { smtp: { extraCertificateAuthorities: [ca] } } : {}),
    isTrustedSender: createSenderPolicy({ appOrigin: APP_ORIGIN, contentsIds: () => [trustedSender.contentsId] }),
    ...overrides,
    dataDir,
    settings,
    emit: record,
  });
  const router = checkReplies(backend.router);
  const call = async (channel: Channel, request: unknown) => (await router.handle(trustedSender, channel, request)) as Result<never>;
  const value = async (channel: Channel, request: unknown) => {
    const r = await call(channel, request);
    if (!r.ok) throw new Error(`${channel}: ${JSON.stringify(r.error)}`);
    return r.value;
  };
  return {
    backend,
    router,
    sender: trustedSender,
    dataDir,
    pushed,
    call,
    value,
    async errorOf(channel, request) {
      const r = await call(channel, request);
      if (r.ok) throw new Error(`${channel} succeeded`);
      return r.error;
    },
    close: () => backend.close(),
  };
}
