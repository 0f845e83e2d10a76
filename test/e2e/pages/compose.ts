import type { Page } from '@playwright/test';

export interface Draft {
  to: string;
  cc?: string;
  bcc?: string;
  subject: string;
  body: string;
}

/** The compose window, as a person uses it. */
export class ComposePage {
  constructor(readonly page: Page) {}

  get form() {
    return this.page.getByRole('form', { name: 'New message' });
  }
  get status() {
    return this.page.getByRole('status');
  }
  get alert() {
    return this.page.getByRole('alert');
  }

  async open() {
    await this.page.getByRole('button', { name: 'Compose' }).click();
  }

  async write(draft: Draft) {
    const p = this.page;
    await p.getByLabel('To', { exact: true }).fill(draft.to);
    if (draft.cc) await p.getByLabel('Cc', { exact: true }).fill(draft.cc);
    if (draft.bcc) await p.getByLabel('Bcc', { exact: true }).fill(draft.bcc);
    await p.getByLabel('Subject').fill(draft.subject);
    await p.getByLabel('Message', { exact: true }).fill(draft.body);
  }

  async send() {
    await this.page.getByRole('button', { name: 'Send' }).click();
  }

  /** What is in the fields now. */
  async values(): Promise<Draft> {
    const p = this.page;
    return {
      to: await p.getByLabel('To', { exact: true }).inputValue(),
      cc: await p.getByLabel('Cc', { exact: true }).inputValue(),
      bcc: await p.getByLabel('Bcc', { exact: true }).inputValue(),
      subject: await p.getByLabel('Subject').inputValue(),
      body: await p.getByLabel('Message', { exact: true }).inputValue(),
    };
  }
}
