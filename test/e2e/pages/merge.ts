import { expect, type FrameLocator, type Locator, type Page } from '@playwright/test';

export type MergeStep = 'Data' | 'Message' | 'Preview' | 'Send';

/** The Mail merge view, as a person uses it: the setup's four steps, then the merges started below. */
export class MergePage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Mail merge' }).click();
    await expect(this.page.getByRole('heading', { level: 1, name: 'Mail merge' })).toBeVisible();
  }

  get steps(): Locator {
    return this.page.getByRole('navigation', { name: 'Merge steps' });
  }
  /** A step's entry in the list of steps ("1. Data", with its state in words). */
  stepButton(step: MergeStep): Locator {
    return this.steps.getByRole('button', { name: new RegExp(`^\\d\\. ${step}\\b`) });
  }
  /** The shown step's heading (focus moves there on a step change). */
  heading(step: MergeStep): Locator {
    return this.page.getByRole('heading', { level: 2, name: step, exact: true });
  }
  async goTo(step: MergeStep) {
    await this.stepButton(step).click();
    await expect(this.heading(step)).toBeFocused();
  }

  // Step 1: data
  /** Opens a file through the labelled file input, as a person choosing it would. */
  async openFile(path: string) {
    await this.page.getByLabel('Data file (CSV or TSV)').setInputFiles(path);
  }
  async paste(rows: string) {
    await this.page.getByLabel('Paste rows').fill(rows);
    await this.page.getByRole('button', { name: 'Use pasted rows' }).click();
  }
  /** "N rows will be sent · M left out". */
  get count(): Locator {
    return this.page.getByRole('status', { name: 'Rows to send' });
  }
  get addressColumn(): Locator {
    return this.page.getByLabel('Column with the email address');
  }
  get required(): Locator {
    return this.page.getByRole('group', { name: 'Columns that must not be empty' });
  }
  /** The list of rows left out, each "Row N: why". */
  get leftOut(): Locator {
    return this.page.getByRole('region', { name: /^Left out/ }).getByRole('listitem');
  }
  get sample(): Locator {
    return this.page.getByRole('table', { name: 'The first rows as read' });
  }

  // Step 2: message
  /** Puts {{column}} where the cursor was in the field last used. */
  async insertField(column: string) {
    await this.page.getByLabel('Field to insert').selectOption(column);
    await this.page.getByRole('button', { name: 'Insert field' }).click();
  }
  get editor(): Locator {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }

  // Step 3: preview
  /** "Row 2 of 3 (line 3 in the file)". */
  get position(): Locator {
    return this.page.getByText(/^Row [\d,]+ of [\d,]+ \(line [\d,]+ in the file\)$/);
  }
  get preview(): Locator {
    return this.page.getByRole('article');
  }
  /** A header of the previewed message (From, To, Cc, Subject, Attachments), by its term. */
  header(name: 'From' | 'To' | 'Cc' | 'Subject' | 'Attachments'): Locator {
    return this.preview.locator('dt', { hasText: new RegExp(`^${name}$`) }).locator('xpath=following-sibling::dd[1]');
  }
  /** The previewed body when it is HTML (the mail view's sandboxed frame). */
  get body(): FrameLocator {
    return this.preview.frameLocator('iframe[title="Message content"]');
  }
  get rowWarnings(): Locator {
    return this.page.getByRole('note', { name: 'Warnings for this row' });
  }
  get summary(): Locator {
    return this.page.getByRole('status', { name: 'Preview summary' });
  }

  // Step 4: send
  get testStatus(): Locator {
    return this.page.getByRole('status', { name: 'Test' });
  }
  /** "Send N messages" (the real send; disabled, with its reason, until a test went). */
  get sendButton(): Locator {
    return this.page.getByRole('button', { name: /^Send [\d,]+ messages?$/ });
  }
  get confirm(): Locator {
    return this.page.getByRole('dialog', { name: /^Send [\d,]+ messages?\?$/ });
  }
}
