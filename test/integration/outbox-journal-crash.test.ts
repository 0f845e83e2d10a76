/**
 * The outbox's journal killed with SIGKILL at random moments while it writes groups of records and
 * rewrites itself (snapshots: with a few jobs and thousands of records, many per run), opened again
 * each time: everything acknowledged is there, nothing went back to an older state, nothing is
 * reported damaged, no temporary file is left, and the file stays bounded.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'vite';
import { describe, expect, it } from 'vitest';
import { JOURNAL_FILE, JournalJobStore } from '../../src-main/services/outbox/journal';

const ROOT = join(import.meta.dirname, '../..');
const KILLS = 12;

describe('the journal survives being killed at any moment', () => {
  it(`${KILLS} SIGKILLs while groups and snapshots are written: nothing acknowledged lost, nothing older comes back`, async () => {
    const work = mkdtempSync(join(tmpdir(), 'mailwright-journal-crash-'));
    const dir = join(work, 'outbox');
    try {
      await build({
        configFile: false,
        logLevel: 'warn',
        root: ROOT,
        build: { ssr: join(ROOT, 'test/support/outbox-journal-crash-child.ts'), outDir: join(work, 'child'), emptyOutDir: true, minify: false, target: 'node20', rollupOptions: { output: { format: 'es', entryFileNames: 'child.mjs' } } },
        ssr: { noExternal: true, target: 'node' },
      });
      /** Each job's highest acknowledged attempts; jobs whose removal was acknowledged. */
      const acked = new Map<string, number>();
      const gone = new Set<string>();
      /** Removals asked for (acknowledged or not: one may be on disk when the kill came before its "gone"). */
      const removing = new Set<string>();
      let maxSize = 0;
      for (let run = 0; run < KILLS; run++) {
        const child = spawn(process.execPath, [join(work, 'child', 'child.mjs')], { env: { ...process.env, OUTBOX_DIR: dir }, stdio: ['ignore', 'pipe', 'inherit'] });
        const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
        let opened!: () => void;
        const open = new Promise<void>((resolve) => (opened = resolve));
        const lines = createInterface({ input: child.stdout });
        const allRead = new Promise<void>((resolve) => lines.once('close', () => resolve()));
        lines.on('line', (line) => {
          const [what, id, n] = line.split(' ');
          if (what === 'open') opened();
          else if (what === 'ack') acked.set(id!, Math.max(acked.get(id!) ?? 0, Number(n)));
          else if (what === 'new') acked.set(id!, Math.max(acked.get(id!) ?? 0, 0));
          else if (what === 'gone') gone.add(id!);
          else if (what === 'removing') removing.add(id!);
        });
        await Promise.race([open, exited]);
        await new Promise((r) => setTimeout(r, 150 + Math.floor(Math.random() * 400)));
        child.kill('SIGKILL');
        expect(await exited).toBe(null);
        // Every line it wrote before it died is read (a late "gone" would otherwise look like a lost job).
        await allRead;
        maxSize = Math.max(maxSize, statSync(join(dir, JOURNAL_FILE)).size);

        const store = new JournalJobStore(dir);
        const report = await store.load();
        await store.close();
        expect(report.corruptJournal).toBeUndefined();
        expect(report.damagedRecords).toEqual([]);
        expect(report.missingMessage).toEqual([]);
        const found = new Map(report.jobs.map((j) => [j.id, j.attempts]));
        for (const [id, attempts] of acked) {
          if (gone.has(id)) expect(found.has(id), `removed job ${id}`).toBe(false);
          else if (!(removing.has(id) && !found.has(id))) expect(found.get(id), `job ${id}`).toBeGreaterThanOrEqual(attempts);
        }
        expect(readdirSync(dir).filter((n) => n.includes('.tmp-') || n.includes('corrupt'))).toEqual([]);
      }
      const total = [...acked.values()].reduce((a, b) => a + b, 0);
      console.log(`journal crash test: ${KILLS} kills, ${total} acknowledged records, ${gone.size} jobs removed, largest journal ${maxSize} bytes`);
      // Many snapshots happened: far more records were acknowledged than the journal ever held.
      expect(total).toBeGreaterThan(3000);
      expect(maxSize).toBeLessThan(2_000_000);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }, 120_000);
});
