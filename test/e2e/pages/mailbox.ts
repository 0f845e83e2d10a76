import { expect, type FrameLocator, type Locator, type Page } from '@playwright/test';

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The Mail view (folders, message list, message pane), as a person uses it. */
export class MailboxPage {
  constructor(readonly page: Page) {}

  get view(): Locator {
    return this.page.getByRole('region', { name: 'Mail' });
  }
  get folders(): Locator {
    return this.page.getByRole('navigation', { name: 'Folders' });
  }
  get grid(): Locator {
    return this.page.getByRole('grid');
  }
  get rows(): Locator {
    return this.grid.getByRole('row');
  }
  /** The opened message. */
  get message(): Locator {
    return this.page.getByRole('article');
  }
  get actions(): Locator {
    return this.page.getByRole('toolbar', { name: 'Message actions' });
  }
  get frameElement(): Locator {
    return this.page.locator('iframe[title="Message content"]');
  }
  get frame(): FrameLocator {
    return this.page.frameLocator('iframe[title="Message content"]');
  }
  get remoteBanner(): Locator {
    return this.page.getByRole('region', { name: 'Remote content' });
  }
  get linkDialog(): Locator {
    return this.page.getByRole('dialog', { name: 'Open this link in your browser?' });
  }
  get connection(): Locator {
    return this.page.getByRole('status', { name: 'Connection' });
  }

  async open() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Mail', exact: true }).click();
    await expect(this.view).toBeVisible();
  }

  folder(name: string): Locator {
    return this.folders.getByRole('button', { name: new RegExp(`^${escape(name)}( \\d+ unread)?$`) });
  }

  async chooseFolder(name: string) {
    await this.folder(name).click();
    await expect(this.folder(name)).toHaveAttribute('aria-current', 'true');
  }

  /** The list row of a message, by (part of) its subject. */
  row(subject: string): Locator {
    return this.rows.filter({ has: this.page.getByRole('gridcell', { name: subject }) });
  }

  async rowCount(): Promise<number> {
    return Number(await this.grid.getAttribute('aria-rowcount'));
  }

  /** Opens a message by subject and waits until its content is shown (an HTML message's frame has loaded). */
  async openMessage(subject: string) {
    await this.row(subject).click();
    await expect(this.message.getByRole('heading', { level: 2 })).toHaveText(subject);
    if (await this.frameElement.count()) await expect(this.frameElement).toHaveAttribute('data-ready', 'true');
  }

  async act(name: 'Reply' | 'Reply all' | 'Forward' | 'Mark unread' | 'Mark read' | 'Flag' | 'Unflag' | 'Delete') {
    await this.actions.getByRole('button', { name, exact: true }).click();
  }

  async moveTo(folder: string) {
    await this.message.getByLabel('Move to folder').selectOption({ label: folder });
    await this.message.getByRole('button', { name: 'Move', exact: true }).click();
  }

  async search(text: string, field: 'From or subject' | 'From' | 'Subject' = 'From or subject') {
    const form = this.page.getByRole('search', { name: 'Search messages' });
    await form.getByLabel('Search', { exact: true }).fill(text);
    await form.getByLabel('Search in').selectOption({ label: field });
    await form.getByRole('button', { name: 'Search', exact: true }).click();
  }

  async clearSearch() {
    await this.page.getByRole('button', { name: 'Clear search' }).click();
  }

  async scrollToEnd() {
    await this.grid.evaluate((el) => {
      el.scrollTop = el.scrollHeight;
    });
  }

  async saveAttachment(filename: string) {
    await this.message.getByRole('button', { name: `Save ${filename}` }).click();
  }
}
