/**
 * The Electron side of a start that fails (decisions and words: ../services/start-failure.ts):
 * shows the dialog, opens the data folder in the file manager, and logs to the console and to the
 * log file in the data folder, which the dialog names.
 */
import { dialog, shell } from 'electron';
import { createAppLogger } from '../services/log-file';
import { startWithRecovery } from '../services/start-failure';

/** Runs `start` and, when it fails, explains and offers the choices. Resolves true once started, false when the person quit. */
export function startExplained(start: () => Promise<void>, dataDir: string): Promise<boolean> {
  const { logger, file } = createAppLogger(dataDir);
  return startWithRecovery({
    start,
    folder: dataDir,
    logger,
    get logFile() {
      return file.working() ? file.path : undefined;
    },
    ask: async (box) =>
      (
        await dialog.showMessageBox({
          type: 'error',
          title: box.title,
          message: box.message,
          detail: box.detail,
          buttons: box.choices.map((c) => c.label),
          defaultId: box.defaultId,
          cancelId: box.cancelId,
          noLink: true,
        })
      ).response,
    openFolder: (folder) => void shell.openPath(folder),
  });
}
