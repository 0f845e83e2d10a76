import { expect, type Locator, type Page } from '@playwright/test';

/** The Accounts view and the outbox's sign-in state, as a person uses them (OAuth2, issue 10). */
export class AccountsPage {
  constructor(readonly page: Page) {}

  async open() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Accounts' }).click();
    await expect(this.page.getByRole('heading', { name: 'Accounts' })).toBeVisible();
  }

  /** One account's entry in the list, by its description. */
  account(description: string): Locator {
    return this.page.getByRole('listitem').filter({ has: this.page.getByRole('button', { name: `Edit ${description}` }) });
  }

  /** "Signs in with: …" of one account. */
  signInLine(description: string): Locator {
    return this.account(description).getByText(/^Signs in with: /);
  }

  /** The advisor's facts about signing in to one account (e.g. a coming change). */
  signInFacts(description: string): Locator {
    return this.page.getByRole('list', { name: `About signing in to ${description}` });
  }

  /** The "Sign in again" problem state of one account. */
  signInAgainProblem(description: string): Locator {
    return this.page.getByRole('group', { name: `${description} needs you to sign in again` });
  }

  /** Presses "Sign in again" for the account (Accounts view); the browser sign-in then runs as in the wizard. */
  async signInAgain(description: string) {
    await this.signInAgainProblem(description).getByRole('button', { name: `Sign in again to ${description}` }).click();
  }

  /** After "Sign in again": "Signed in again as … Messages that were waiting go out now." */
  async waitForSignedInAgain(timeout = 60_000) {
    await expect(this.page.getByRole('status').filter({ hasText: /^Signed in again as / }).first()).toBeVisible({ timeout });
  }

  // --- Outbox ------------------------------------------------------------------------------------

  async openOutbox() {
    await this.page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: /^Outbox/ }).click();
    await expect(this.page.getByRole('heading', { name: 'Outbox' })).toBeVisible();
  }

  /** An outbox job waiting for the person to sign in again, by subject. */
  waitingForSignIn(subject: string): Locator {
    return this.page.getByRole('listitem', { name: `${subject}: Waiting for you to sign in again` });
  }

  /** "Sign in again" on a waiting job in the outbox. */
  async signInAgainFromOutbox(subject: string, description: string) {
    await this.waitingForSignIn(subject).getByRole('button', { name: `Sign in again to ${description}` }).click();
  }

  /** The outbox's counts line, e.g. "1 waiting for you to sign in again · 2 not sent". */
  get outboxSummary(): Locator {
    return this.page.getByLabel('Outbox summary');
  }
}
