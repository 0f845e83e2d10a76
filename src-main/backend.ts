/**
 * Builds the main process's services and its IPC router from what the runtime hands in. main.ts
 * calls it with electron-store, safeStorage and our window; the end-to-end bridge calls it with
 * conf on a temporary folder, the app-key cipher and the Playwright page. Same handlers, same router.
 */
import type { SecretProtection } from '../shared/model';
import { createAccountService } from './services/accounts';
import type { Logger } from './services/logger';
import { createSecretVault, type SecretCipher, type SecretFile } from './services/secrets';
import type { SettingsStore } from './services/settings-store';
import { createSmtpService, type SmtpServiceOptions } from './services/smtp';
import { createHandlers, type Emit } from './ipc/handlers';
import { discover, type DiscoveryOptions } from './services/discovery';
import { verifyAccount, type VerifyOptions } from './services/verify';
import { createRouter, type IpcSender, type Router } from './ipc/router';

export interface BackendOptions {
  settings: SettingsStore;
  secretFile: SecretFile;
  cipher: SecretCipher;
  logger: Logger;
  app: { version: string; platform: string };
  /** Trust and timeouts for sending (extra CAs: tests' throwaway CA; none in the app). */
  smtp?: SmtpServiceOptions;
  /** DNS servers, ports and CAs for discovery (tests point them at 127.0.0.1). */
  discovery?: Omit<DiscoveryOptions, 'signal' | 'allowHttp'>;
  verify?: VerifyOptions;
  isTrustedSender: (sender: IpcSender) => boolean;
  emit: Emit;
}

export interface Backend {
  router: Router;
  secretProtection: SecretProtection;
}

export function createBackend(options: BackendOptions): Backend {
  const vault = createSecretVault(options.secretFile, options.cipher);
  const accounts = createAccountService({
    settings: options.settings,
    vault,
    logger: options.logger,
    onChange: (list) => options.emit('accounts:changed', list),
  });
  const smtp = createSmtpService(options.smtp);
  const handlers = createHandlers({
    accounts,
    smtp,
    discover: (email, allowHttp) => discover(email, { ...options.discovery, allowHttp }),
    verify: (account, onStage) => verifyAccount(account, options.verify ?? { extraCertificateAuthorities: options.smtp?.extraCertificateAuthorities ?? [] }, onStage),
    emit: options.emit,
    app: { ...options.app, secretProtection: vault.protection },
  });
  const router = createRouter({ handlers, isTrustedSender: options.isTrustedSender, logger: options.logger });
  return { router, secretProtection: vault.protection };
}
