/**
 * The accessibility audit the specs share (a11y.spec.ts, sandbox.spec.ts): axe on what is on screen
 * now, light and dark, and nothing cut off sideways down to the window's minimum size.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page, TestInfo } from '@playwright/test';
import { SCREENSHOT_DIR } from './paths';

const WIDE = { width: 1100, height: 860 };

/**
 * Rules about the page's structure that axe rates "moderate" but the app holds to anyway: one h1 per
 * screen, a main landmark, and nothing outside a landmark.
 */
const STRUCTURE_RULES = new Set(['page-has-heading-one', 'landmark-one-main', 'region', 'landmark-no-duplicate-banner', 'landmark-no-duplicate-main', 'landmark-unique']);

/**
 * Runs axe on what is on screen now, in light and in dark, and adds every serious or critical
 * violation to `found` (id, impact, where, and axe's help); takes light, dark and 800x600 screenshots.
 * The message's own HTML (a sandboxed frame the sender wrote) is not the app's to fix and is left out.
 */
export async function audit(page: Page, screen: string, found: string[], testInfo: TestInfo) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const prefix = `${testInfo.project.name}-a11y-${screen}`;
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    const results = await new AxeBuilder({ page }).exclude('iframe[title="Message content"]').analyze();
    for (const v of results.violations) {
      if (v.impact !== 'serious' && v.impact !== 'critical' && !STRUCTURE_RULES.has(v.id)) continue;
      const where = v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` (${n.failureSummary.replace(/\s+/g, ' ')})` : ''}`).join('; ');
      found.push(`${screen} [${colorScheme}] ${v.id} (${v.impact}): ${v.help} — ${where}`);
    }
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${prefix}-${colorScheme}.png`), fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
  const h1 = await page.locator('h1').count();
  if (h1 !== 1) found.push(`${screen}: ${h1} h1 elements, not one`);
  // Down to the window's minimum size, nothing is cut off sideways.
  const size = page.viewportSize() ?? WIDE;
  for (const small of [
    { width: 800, height: 600 },
    { width: 720, height: 520 },
  ]) {
    await page.setViewportSize(small);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (overflow > 0) found.push(`${screen} at ${small.width}x${small.height}: ${overflow}px wider than the window`);
    if (small.width === 800) await page.screenshot({ path: join(SCREENSHOT_DIR, `${prefix}-800x600.png`) });
  }
  await page.setViewportSize(size);
}

