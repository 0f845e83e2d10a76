import { expect, type Locator, type Page } from '@playwright/test';

/** "Merges sent" in the merge view, as a person uses it: each started merge, its progress, its results. */
export class MergeRunsPage {
  constructor(readonly page: Page) {}

  /** The merge view, from the main navigation. */
  async open() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Mail merge', exact: true }).click();
    await expect(this.section).toBeVisible();
  }

  get section(): Locator {
    return this.page.getByRole('region', { name: 'Merges sent' });
  }

  /** Every started merge, newest first. */
  get runs(): Locator {
    return this.section.getByRole('list', { name: 'Merges sent' }).getByRole('listitem');
  }

  /** One started merge, by its name. */
  run(name: string): Locator {
    return this.runs.filter({ has: this.page.getByRole('heading', { name, exact: true }) });
  }

  progress(name: string): Locator {
    return this.page.getByRole('progressbar', { name: `Progress of ${name}` });
  }

  /** How many messages have ended (sent, failed, may have been sent, cancelled), as the bar says. */
  async ended(name: string): Promise<number> {
    return Number(await this.progress(name).getAttribute('aria-valuenow'));
  }

  /** "120 of 200 sent · 3 failed …" */
  counts(name: string): Locator {
    return this.run(name).getByText(/^[\d,]+ of [\d,]+ sent/);
  }

  /** The merge's state in words, exactly: Sending, Paused, All sent, Finished with problems, Cancelled… */
  state(name: string, words: string): Locator {
    return this.run(name).getByText(words, { exact: true });
  }

  button(name: string, label: string): Locator {
    return this.run(name).getByRole('button', { name: label, exact: true });
  }

  /** The dialog that asks before cancelling what has not gone yet. */
  cancelDialog(name: string): Locator {
    return this.page.getByRole('dialog', { name: `Cancel “${name}”?` });
  }

  /** One merge's results, opened with its "Results" button. */
  results(name: string): Locator {
    return this.page.getByRole('region', { name: `Results of “${name}”` });
  }

  resultsTable(name: string): Locator {
    return this.results(name).getByRole('table');
  }

  /** The data rows of the results table as shown (not the header). */
  resultRows(name: string): Locator {
    return this.resultsTable(name).locator('tbody').getByRole('row');
  }

  /** A result row by its recipient. */
  resultRow(name: string, recipient: string): Locator {
    return this.resultRows(name).filter({ has: this.page.getByRole('cell', { name: recipient, exact: true }) });
  }

  async openResults(name: string) {
    await this.button(name, 'Results').click();
    await expect(this.results(name).getByRole('heading', { name: `Results of “${name}”` })).toBeFocused();
  }

  /** Chooses in "Show" by the words before the count ("Sent" for "Sent (19)"); answers the option's full words. */
  async show(name: string, choice: string): Promise<string> {
    const select = this.results(name).getByLabel('Show');
    const options = await select.locator('option').allTextContents();
    const label = options.find((o) => o.startsWith(`${choice} (`));
    if (!label) throw new Error(`no "${choice}" in ${options.join(', ')}`);
    await select.selectOption({ label });
    return label;
  }

  /** What the results said last (Saved., rows sent again…). */
  said(name: string): Locator {
    return this.results(name).getByRole('status');
  }
}
