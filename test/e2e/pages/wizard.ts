import type { Page } from '@playwright/test';

export interface WizardValues {
  displayName: string;
  email: string;
  description?: string;
  host: string;
  security: 'SSL/TLS' | 'STARTTLS' | 'None';
  port?: string;
  username?: string;
  password: string;
}

/** The account wizard, as a person uses it. */
export class WizardPage {
  constructor(readonly page: Page) {}

  get form() {
    return this.page.getByRole('form', { name: /account/i });
  }

  async fill(values: WizardValues) {
    const p = this.page;
    await p.getByLabel('Your name').fill(values.displayName);
    await p.getByLabel('Email address').fill(values.email);
    if (values.description) await p.getByLabel('Description').fill(values.description);
    await p.getByLabel('Server', { exact: true }).fill(values.host);
    await p.getByLabel('Connection security').selectOption({ label: values.security });
    if (values.port) await p.getByLabel('Port').fill(values.port);
    if (values.username) await p.getByLabel('Username').fill(values.username);
    await p.getByLabel('Password').fill(values.password);
  }

  async save() {
    await this.page.getByRole('button', { name: 'Save account' }).click();
  }
}
