import { expect, type Locator, type Page } from '@playwright/test';

/** The Sandbox view (the built-in capture server's messages) and the first start's "Try Mailwright first". */
export class SandboxPage {
  constructor(readonly page: Page) {}

  get nav(): Locator {
    return this.page.getByRole('navigation', { name: 'Main' });
  }

  async open() {
    await this.nav.getByRole('button', { name: 'Sandbox', exact: true }).click();
    await expect(this.heading).toBeVisible();
  }

  get heading(): Locator {
    return this.page.getByRole('heading', { name: 'Sandbox', level: 1 });
  }
  /** "Try Mailwright first", beside the wizard until the person has an account of their own. */
  get tryFirst(): Locator {
    return this.page.getByRole('region', { name: 'Try Mailwright first' });
  }
  /** Where it listens, how many messages, size used; or why it does not run. */
  get status(): Locator {
    return this.page.getByRole('status', { name: 'Sandbox status' });
  }
  get list(): Locator {
    return this.page.getByRole('table', { name: /^(Captured messages|Rows captured)$/ });
  }
  /** The list's row of a message, by subject. */
  row(subject: string | RegExp): Locator {
    return this.list.getByRole('row').filter({ has: this.subjectButton(subject) });
  }
  private subjectButton(subject: string | RegExp): Locator {
    return typeof subject === 'string' ? this.page.getByRole('button', { name: subject, exact: true }) : this.page.getByRole('button', { name: subject });
  }
  async openMessage(subject: string | RegExp) {
    await this.row(subject).locator(this.subjectButton(subject)).click();
    await expect(this.message).toBeVisible();
  }
  /** The message opened. */
  get message(): Locator {
    return this.page.getByRole('article');
  }
  tab(name: 'Message' | 'Headers' | 'Source' | 'Structure'): Locator {
    return this.message.getByRole('tablist', { name: 'Show the message as' }).getByRole('tab', { name, exact: true });
  }
  get panel(): Locator {
    return this.message.getByRole('tabpanel');
  }
  /** The envelope (MAIL FROM, RCPT TO) on the tab shown. */
  get envelope(): Locator {
    return this.panel.getByRole('region', { name: 'Envelope' });
  }
  get envelopeRecipients(): Locator {
    return this.envelope.getByRole('list', { name: 'Envelope recipients' }).getByRole('listitem');
  }
  /** The lint's findings (absent when there are none: "No problems found"). */
  get findings(): Locator {
    return this.message.getByRole('list', { name: 'Problems found' }).getByRole('listitem');
  }
  get lint(): Locator {
    return this.message.getByRole('region', { name: 'Check of this message' });
  }
  get source(): Locator {
    return this.panel.getByRole('region', { name: 'Message source' });
  }
  /** The frame showing the rendered HTML (the mail view's own). */
  get frame() {
    return this.panel.frameLocator('iframe[title="Message content"]');
  }

  /** "Show": all messages or one rehearsed merge. */
  get show(): Locator {
    return this.page.getByLabel('Show', { exact: true });
  }
  get rows(): Locator {
    return this.page.getByRole('group', { name: 'Rows of the merge' });
  }

  /** The faults panel, opened. */
  async openFaults() {
    const toggle = this.page.getByRole('button', { name: /^Faults \(advanced\)/ });
    if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  }
  get faultsInPlay(): Locator {
    return this.page.getByRole('list', { name: 'Faults in play' }).getByRole('listitem');
  }
  async addFault(fault: { kind: 'Answer with an error reply' | 'Drop the connection' | 'Slow link' | 'TLS failure'; stage?: string; code?: string; text?: string; recipients?: string; dropPoint?: string; probability?: string }) {
    await this.openFaults();
    const p = this.page;
    await p.getByLabel('Fault', { exact: true }).selectOption({ label: fault.kind });
    if (fault.stage) await p.getByLabel('Stage', { exact: true }).selectOption({ label: fault.stage });
    if (fault.code) await p.getByLabel('Reply code').fill(fault.code);
    if (fault.text !== undefined) await p.getByLabel('Reply text').fill(fault.text);
    if (fault.recipients !== undefined) await p.getByLabel('Recipient pattern (RCPT)').fill(fault.recipients);
    if (fault.dropPoint) await p.getByLabel('Drop point').selectOption({ label: fault.dropPoint });
    if (fault.probability) await p.getByLabel('Probability (%)').fill(fault.probability);
    await p.getByRole('button', { name: 'Add fault' }).click();
  }
  /** The banner shown while faults are in play (Sandbox view and Outbox). */
  get faultsBanner(): Locator {
    return this.page.getByRole('note', { name: 'Sandbox faults in play' });
  }
}
