import { expect, type Locator, type Page } from '@playwright/test';

export interface Draft {
  to: string;
  cc?: string;
  bcc?: string;
  subject: string;
  body: string;
}

/** A compose window's page (the renderer at #compose=<token>). */
const isComposeWindow = (page: Page) => !page.isClosed() && /#compose=/.test(page.url());
/** Windows some ComposePage already drives (two page objects never drive the same window by mistake). */
const attached = new WeakSet<Page>();

/**
 * Compose windows, as a person uses them. Each message is written in a window of its own (a page of its own
 * in the bridge): `open()` (New message) or `attach()` after whatever opened one (Reply, Undo, Edit, a link)
 * makes it the window the other methods drive. `page` is the main window (the Undo banner is there).
 */
export class ComposePage {
  private current: Page | null = null;
  constructor(readonly page: Page) {}

  /** The compose window being driven. */
  get window(): Page {
    if (!this.current) throw new Error('no compose window attached: call open() or attach() first');
    return this.current;
  }

  get form(): Locator {
    return this.window.getByRole('form', { name: 'New message' });
  }
  get editor(): Locator {
    return this.window.getByRole('textbox', { name: 'Message', exact: true });
  }
  /** The "Sending … Undo" banner shown in the main window during the undo window. */
  get undoBanner(): Locator {
    return this.page.getByRole('status').filter({ hasText: /^Sending “/ });
  }
  /** The question asked once before sending (no subject, no text, an attachment mentioned but missing). */
  get question(): Locator {
    return this.window.getByRole('alertdialog');
  }

  /** New message in the main window; the window it opens is the one driven from now on. */
  async open() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'New message' }).click();
    return this.attach();
  }

  /** Waits for a compose window not attached before (opened by Reply, Undo, Edit, a mail link ...) and drives it. */
  async attach(): Promise<Page> {
    let found: Page | undefined;
    await expect
      .poll(() => (found = this.page.context().pages().find((p) => isComposeWindow(p) && !attached.has(p))), { message: 'a compose window opens', timeout: 10_000 })
      .toBeTruthy();
    attached.add(found!);
    this.current = found!;
    await expect(this.form).toBeVisible();
    return found!;
  }

  /**
   * Escape: the window saves its draft and closes. The page may close while Playwright is still
   * finishing the key press, so that press's own "page closed" error is not the result: whether the
   * window closed is.
   */
  async closeWithEscape() {
    const window = this.window;
    await window.keyboard.press('Escape').catch((error: unknown) => {
      if (!window.isClosed()) throw error;
    });
    await expect.poll(() => window.isClosed(), { message: 'Escape closes the compose window' }).toBe(true);
  }

  /** The compose windows open now. */
  openWindows(): Page[] {
    return this.page.context().pages().filter(isComposeWindow);
  }

  /** Fills the message. `plain`: switch the editor to plain text first (line breaks kept exactly). */
  async write(draft: Draft, options: { plain?: boolean } = {}) {
    const p = this.window;
    if (options.plain) await p.getByRole('button', { name: 'Plain text' }).click();
    await p.getByLabel('To', { exact: true }).fill(draft.to);
    if (draft.cc) await p.getByLabel('Cc', { exact: true }).fill(draft.cc);
    if (draft.bcc) await p.getByLabel('Bcc', { exact: true }).fill(draft.bcc);
    await p.getByLabel('Subject').fill(draft.subject);
    await this.editor.click();
    await this.editor.fill(draft.body);
  }

  /** Presses Send; the window closes once the message is queued. */
  async send() {
    await this.form.getByRole('button', { name: 'Send', exact: true }).click();
  }

  /** Presses Send and waits for the window to close (the message is in the outbox). */
  async sendAndClose() {
    const window = this.window;
    await this.send();
    await expect.poll(() => window.isClosed(), { message: 'the compose window closes after Send' }).toBe(true);
  }

  /** A field of the message by its label (To, Cc, Bcc, Subject); what the address parser refused is its description. */
  field(label: 'To' | 'Cc' | 'Bcc' | 'Subject'): Locator {
    return this.form.getByLabel(label, { exact: true });
  }

  /** The notice shown in the main window when a mail link handed to the app was refused. */
  get refusedLink(): Locator {
    return this.page.getByRole('alert', { name: 'Mail link not opened' });
  }

  /** What is in the fields now. */
  async values(): Promise<Draft> {
    const p = this.window;
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
