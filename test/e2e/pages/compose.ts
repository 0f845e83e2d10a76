import { expect, type Locator, type Page } from '@playwright/test';

export interface Draft {
  to: string;
  cc?: string;
  bcc?: string;
  subject: string;
  body: string;
}

/** The compose window and the outbox, as a person uses them. */
export class ComposePage {
  constructor(readonly page: Page) {}

  get form(): Locator {
    return this.page.getByRole('form', { name: 'New message' });
  }
  get editor(): Locator {
    return this.page.getByRole('textbox', { name: 'Message', exact: true });
  }
  /** The "Sending … Undo" banner shown during the undo window. */
  get undoBanner(): Locator {
    return this.page.getByRole('status').filter({ hasText: /^Sending “/ });
  }

  async open() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Compose' }).click();
  }

  /** Fills the message. `plain`: switch the editor to plain text first (line breaks kept exactly). */
  async write(draft: Draft, options: { plain?: boolean } = {}) {
    const p = this.page;
    if (options.plain) await p.getByRole('button', { name: 'Plain text' }).click();
    await p.getByLabel('To', { exact: true }).fill(draft.to);
    if (draft.cc) await p.getByLabel('Cc', { exact: true }).fill(draft.cc);
    if (draft.bcc) await p.getByLabel('Bcc', { exact: true }).fill(draft.bcc);
    await p.getByLabel('Subject').fill(draft.subject);
    await this.editor.click();
    await this.editor.fill(draft.body);
  }

  async send() {
    await this.form.getByRole('button', { name: 'Send', exact: true }).click();
  }

  /** A field of the message by its label (To, Cc, Bcc, Subject); what the address parser refused is its description. */
  field(label: 'To' | 'Cc' | 'Bcc' | 'Subject'): Locator {
    return this.form.getByLabel(label, { exact: true });
  }

  /** The notice shown when a mail link handed to the app was refused. */
  get refusedLink(): Locator {
    return this.page.getByRole('alert', { name: 'Mail link not opened' });
  }

  /** What is in the fields now. */
  async values(): Promise<Draft> {
    const p = this.page;
    return {
      to: await p.getByLabel('To', { exact: true }).inputValue(),
      cc: await p.getByLabel('Cc', { exact: true }).inputValue(),
      bcc: await p.getByLabel('Bcc', { exact: true }).inputValue(),
      subject: await p.getByLabel('Subject').inputValue(),
      body: (await this.editor.innerText()).trim(),
    };
  }
}

/** The outbox view. */
export class OutboxPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Outbox/ }).click();
    await expect(this.page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
  }

  /** The row of a message, by subject. */
  job(subject: string): Locator {
    return this.page.getByRole('listitem').filter({ has: this.page.getByText(subject, { exact: true }) });
  }

  async waitForState(subject: string, state: `Sent to ${number} of ${number}` | 'Waiting to send' | 'Sending' | 'Will retry' | 'Waiting for you to sign in again' | 'Sent' | 'Not sent' | 'Cancelled' | 'May have been sent' | 'Record damaged: check before sending' | 'Stored copy damaged: not sent', timeout = 20_000) {
    await expect(this.job(subject).locator('.job__head > .badge').first()).toHaveText(state, { timeout });
  }

  /** "Sign in again" on a message waiting for its account's sign-in (OAuth2); `description` names the account. */
  async signInAgain(subject: string, description: string) {
    await this.job(subject).getByRole('button', { name: `Sign in again to ${description}` }).click();
  }

  /** The counts line, e.g. "1 waiting for you to sign in again · 2 not sent" (absent when both are 0). */
  get summary(): Locator {
    return this.page.getByLabel('Outbox summary');
  }

  /** What delivery reports said about one recipient of a message (Bounced, Delayed, Delivered ...). */
  report(subject: string, recipient: string): Locator {
    return this.job(subject).getByRole('list', { name: 'Delivery reports' }).getByRole('listitem').filter({ hasText: recipient });
  }
}
