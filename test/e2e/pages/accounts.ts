import { expect, type Locator, type Page } from '@playwright/test';

/** The Accounts view, as a person uses it: how each account signs in, and "Sign in again" (OAuth2). */
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

  /** The dialog that says what removing an account does, before it does it. */
  removeDialog(description: string): Locator {
    return this.page.getByRole('dialog', { name: `Remove ${description}?` });
  }

  /** Presses "Remove" on the account and waits for the dialog (which does nothing until confirmed). */
  async askToRemove(description: string) {
    await this.page.getByRole('button', { name: `Remove ${description}` }).click();
    await expect(this.removeDialog(description)).toBeVisible();
  }

  /** "Edit <description>": the account's page (its servers, signature and other From addresses). */
  async edit(description: string) {
    await this.page.getByRole('button', { name: `Edit ${description}` }).click();
    await expect(this.page.getByRole('heading', { name: 'Edit account' })).toBeVisible();
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
}
