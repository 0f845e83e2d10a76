/**
 * Composition root of the main process: build the services, register the IPC router, open the
 * window. Everything Electron-specific comes from ./electron; everything else is plain Node.
 */
import { createBackend } from './backend';
import { registerIpc } from './electron/ipc';
import { runApp } from './electron/app';
import { collectMailtoLinks } from './electron/mailto-glue';
import { notify, onWake, openExternal, pickFiles, saveFile } from './electron/desktop';
import { createSecretCipher, openElectronSettings } from './electron/stores';
import { createSenderPolicy } from './ipc/router';
import { createAppLogger } from './services/log-file';
import { openSecretFileInFolder } from './services/secrets';
import { defaultRegistrationsFile, loadRegistrations } from './services/oauth/registrations';
import { commandLineArguments, runAsProcess } from './cli/process';

// The packaged app's `mailwright` script runs this binary with --mailwright-cli: the command line, no window.
const cliArguments = commandLineArguments(process.argv);
if (cliArguments) void runAsProcess(cliArguments);

// Before runApp: macOS hands over the link that launched the app before "ready".
const mailtoLinks = collectMailtoLinks();

if (!cliArguments) runApp(async (env) => {
  // The same redacted lines to the console and to logs/main.log in the data folder.
  const { logger } = createAppLogger(env.userData);
  const backend = await createBackend({
    dataDir: env.userData,
    settings: openElectronSettings(env.version),
    secretFile: openSecretFileInFolder(env.userData),
    cipher: createSecretCipher(env.userData),
    logger,
    app: { version: env.version, platform: env.platform },
    isTrustedSender: createSenderPolicy({ appOrigin: env.rendererOrigin, contentsIds: env.contentsIds }),
    emit: env.broadcast,
    pickFiles,
    notify,
    saveFile,
    openExternal,
    onWake,
    composeWindows: env.composeWindows,
    // OAuth2 client IDs: the file written when packaging; while developing, MAILWRIGHT_*_CLIENT_ID from the environment.
    oauthRegistrations: loadRegistrations({ file: defaultRegistrationsFile(env.resourcesDir), ...(env.packaged ? {} : { env: process.env }), logger }),
  });
  env.onQuit(() => backend.close());
  registerIpc(backend.router);
  mailtoLinks.deliverTo((url) => backend.openMailto(url));
  logger.info('mailwright: started', { version: env.version, protection: backend.secretProtection.kind });
});
