import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { waitForMessage } from '../support/imap-read';
import { fillMaildir } from '../support/maildir';
import type { MailServers, MailUser } from '../support/mail-servers';
import { BRIDGE_ORIGIN, expect, test, type LaunchedApp } from './fixture';
import { ComposePage } from './pages/compose';
import { MailboxPage } from './pages/mailbox';
import { WizardPage } from './pages/wizard';
import { SCREENSHOT_DIR } from './paths';
import { withImap } from '../support/clients';

const tag = () => `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;

/** Alice's account with her IMAP inbox, checked and saved through the wizard; then the Mail view. */
async function addImapAccount(app: LaunchedApp): Promise<MailboxPage> {
  const { page, servers } = app;
  const alice = servers.users[0]!;
  await new WizardPage(page).addAccount(servers, alice, { smtp: 'STARTTLS', incoming: { protocol: 'IMAP', security: 'SSL/TLS' } });
  const mailbox = new MailboxPage(page);
  await mailbox.open();
  await expect(mailbox.folder('Inbox')).toHaveAttribute('aria-current', 'true');
  return mailbox;
}

/** One raw message, CRLF line ends. */
function rfc822(headers: Record<string, string>, body: string): string {
  return `${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\nMIME-Version: 1.0\r\n\r\n${body}`;
}

/** Puts messages into a maildir folder; the newest last, with Date headers of now. */
async function deliver(servers: MailServers, user: MailUser, messages: string[], folder = 'INBOX') {
  await fillMaildir(servers, user, { folder, count: messages.length, make: (i) => messages[i]! });
}

/** What the server itself says about a message (by subject): its folder's flags, read over IMAP. */
async function serverFlags(servers: MailServers, user: MailUser, folder: string, subject: string): Promise<string[] | null> {
  return withImap(servers, user, async (client) => {
    const lock = await client.getMailboxLock(folder, { readOnly: true });
    try {
      const uids = await client.search({ subject }, { uid: true });
      if (!uids || !uids.length) return null;
      const msg = await client.fetchOne(String(uids[uids.length - 1]), { flags: true }, { uid: true });
      return msg ? [...(msg.flags ?? [])].sort() : null;
    } finally {
      lock.release();
    }
  });
}

const addresses = (a: AddressObject | AddressObject[] | undefined) => (Array.isArray(a) ? a : a ? [a] : []).flatMap((o) => o.value.map((v) => v.address));

test('hostile HTML is shown inert: no script runs, nothing loads until the person allows it, links show their real target', async ({ app }, testInfo) => {
  test.skip(app.mode !== 'bridge', 'request interception and the scripted browser are bridge-mode checks');
  const { page, servers } = app;
  const alice = servers.users[0]!;
  const t = tag();
  const subject = `Your account ${t}`;
  const html = `<!doctype html><html><head>
<meta http-equiv="refresh" content="0;url=https://tracker.example/refresh">
<base href="https://tracker.example/">
<link rel="stylesheet" href="https://tracker.example/style.css">
<style>@import url(https://tracker.example/import.css); body { background: url(https://tracker.example/bg) } .x { color: rgb(200, 0, 0) }</style>
<style>
.nest { color: rgb(0, 0, 200); .inner { padding-left: 3px; background-image: url(https://tracker.example/nested) } }
:root { --track: "https://tracker.example/var"; --esc: \\75 rl(https://tracker.example/escaped-var) }
.v1 { background-image: image-set(var(--track) 1x) }
.v2 { background: image-set(var(--track) 1x) }
.v3 { background-image: var(--esc) }
@property --initial { syntax: '*'; inherits: false; initial-value: url(https://tracker.example/property) }
.v4 { background-image: var(--initial) }
@function --pick(--u) { result: image-set(var(--u) 1x); }
.v5 { background-image: --pick("https://tracker.example/function") }
.v6 { background-image: image-set(\\76 ar(--track) 1x) }
</style>
<script>window.__pwned = 'head'; console.log('PWNED head'); fetch('https://tracker.example/fetch');</script>
</head>
<body onload="window.__pwned = 'onload'; console.log('PWNED onload')">
<p class="x" id="greeting">Dear customer ${t}, please read this notice.</p>
<img id="tracker" src="https://tracker.example/p.gif" alt="pixel" width="1" height="1">
<img src="missing" onerror="window.__pwned = 'onerror'; console.log('PWNED onerror')">
<img srcset="https://tracker.example/s1.gif 1x, https://tracker.example/s2.gif 2x" alt="srcset">
<div style="background-image: url(http://tracker.example/inline-bg); padding: 4px">Styled block</div>
<p onclick="window.__pwned = 'onclick'; console.log('PWNED onclick')" id="clickme">Click here</p>
<iframe src="https://tracker.example/frame"></iframe>
<form action="https://tracker.example/form"><input name="q" value="x"><button>Go</button></form>
<a href="javascript:window.__pwned='js';console.log('PWNED js')">Run</a>
<svg><script>window.__pwned = 'svg'</script><image href="https://tracker.example/svg.png"/></svg>
<object data="https://tracker.example/object.swf"></object>
<embed src="https://tracker.example/embed">
<video poster="https://tracker.example/poster.png" src="https://tracker.example/v.mp4"></video>
<p><a id="deceptive" href="https://evil.example/login">https://bank.example</a></p>
<div class="nest"><p class="inner">Nested rule</p></div>
<p class="css-var v1">var</p><p class="css-var v2">shorthand var</p><p class="css-var v3">escaped url in a custom property</p>
<p class="css-var v4">@property</p><p class="css-var v5">@function</p><p class="css-var v6">escaped var</p>
<p class="css-var" style="--u: 'https://tracker.example/inline-var'; background: image-set(var(--u) 1x)">inline var</p>
</body></html>`;
  await deliver(servers, alice, [
    rfc822(
      { From: 'Bank <notice@bank.example>', To: alice.address, Subject: subject, Date: new Date().toUTCString(), 'Message-ID': `<hostile-${t}@bank.example>`, 'Content-Type': 'text/html; charset=utf-8' },
      html,
    ),
  ]);

  const consoleLines: string[] = [];
  page.on('console', (m) => consoleLines.push(m.text()));
  const mailbox = await addImapAccount(app);
  await mailbox.openMessage(subject);

  // The text is there; nothing ran; nothing left the page.
  await expect(mailbox.frame.locator('#greeting')).toHaveText(`Dear customer ${t}, please read this notice.`);
  await expect(mailbox.frame.locator('#greeting')).toHaveCSS('color', 'rgb(200, 0, 0)'); // the message's own CSS applies
  await expect(mailbox.frame.locator('div', { hasText: 'Styled block' })).toHaveCSS('padding-top', '4px');
  await mailbox.frame.locator('#clickme').click();
  const frame = page.frames().find((f) => f.url() === 'about:srcdoc');
  expect(frame).toBeDefined();
  expect(await frame!.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  expect(await page.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  expect(await frame!.evaluate(() => document.querySelectorAll('script, iframe, form, input, object, embed, svg, link, meta[http-equiv="refresh"], base, video').length)).toBe(0);
  expect(await frame!.evaluate(() => [...document.querySelectorAll('*')].some((el) => [...el.attributes].some((a) => a.name.startsWith('on'))))).toBe(false);
  expect(await mailbox.frame.locator('#tracker').getAttribute('src')).toBeNull();
  expect(consoleLines.filter((l) => l.includes('PWNED'))).toEqual([]);
  expect(app.blockedRequests).toEqual([]);
  // CSS that takes its url from elsewhere (var(), @property, @function, nested rules, escapes) is removed by the
  // cleaner itself, not merely refused by the frame's CSP: no image is even asked for, and the rest of the rule stays.
  await expect(mailbox.frame.locator('.inner')).toHaveCSS('padding-left', '3px');
  await expect(mailbox.frame.locator('.nest')).toHaveCSS('color', 'rgb(0, 0, 200)');
  for (const el of [mailbox.frame.locator('.inner'), ...(await mailbox.frame.locator('.css-var').all())]) await expect(el).toHaveCSS('background-image', 'none');
  expect(consoleLines.filter((l) => /^(Loading|Refused to load)\b/.test(l))).toEqual([]);
  await expect(mailbox.remoteBanner).toContainText('Remote images were blocked to protect your privacy');
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-mail-message.png`), fullPage: true });

  // A link whose text is another address: the dialog names the real target and warns.
  await mailbox.frame.locator('#deceptive').click();
  await expect(mailbox.linkDialog).toBeVisible();
  await expect(mailbox.linkDialog.getByLabel('Link target')).toHaveText('https://evil.example/login');
  await expect(mailbox.linkDialog.getByRole('alert')).toContainText('bank.example');
  await expect(mailbox.linkDialog.getByRole('alert')).toContainText('really goes to evil.example');
  expect(page.url()).toBe(`${BRIDGE_ORIGIN}/index.html`);
  await mailbox.linkDialog.getByRole('button', { name: 'Open in browser' }).click();
  await expect(mailbox.linkDialog).toBeHidden();
  expect(app.openedExternally).toEqual(['https://evil.example/login']);

  // Consent: now (and only now) the images are asked for; the test's network layer refuses them.
  expect(app.blockedRequests).toEqual([]);
  await mailbox.remoteBanner.getByRole('button', { name: 'Show for this message' }).click();
  await expect(mailbox.remoteBanner).toBeHidden();
  await expect(mailbox.frameElement).toHaveAttribute('data-ready', 'true');
  await expect(mailbox.frame.locator('#tracker')).toHaveAttribute('src', 'https://tracker.example/p.gif');
  await expect.poll(() => app.blockedRequests).toContain('https://tracker.example/p.gif');
  // Still nothing that is not an image, and still no script.
  expect(app.blockedRequests.filter((u) => /\/(fetch|style\.css|import\.css|frame|form|object\.swf|embed|refresh)$/.test(u))).toEqual([]);
  expect(await page.frames().find((f) => f.url() === 'about:srcdoc')!.evaluate(() => (window as unknown as { __pwned?: string }).__pwned)).toBeUndefined();
  expect(consoleLines.filter((l) => l.includes('PWNED'))).toEqual([]);
});

test('links cannot hide where they go: userinfo, hidden or invisible text, look-alike dots and letters', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the system browser is scripted through the bridge');
  const { servers } = app;
  const alice = servers.users[0]!;
  const t = tag();
  const subject = `Sign in ${t}`;
  const html = `<p><a id="userinfo" href="https://bank.example@evil.example/login">Sign in to your bank</a></p>
<p><a id="hidden-part" href="https://bank.example.evil.example/">https://bank.example<span style="display:none">.evil.example</span></a></p>
<p><a id="zwsp" href="https://evil.example/">https://bank.exa&#x200B;mple</a></p>
<p><a id="leader" href="https://evil.example/">https://bank&#x2024;example</a></p>
<p><a id="idn" href="https://b&#x430;nk.example/">https://bank.example</a></p>`;
  await deliver(servers, alice, [
    rfc822({ From: 'Bank <notice@bank.example>', To: alice.address, Subject: subject, Date: new Date().toUTCString(), 'Content-Type': 'text/html; charset=utf-8' }, html),
  ]);
  const mailbox = await addImapAccount(app);
  await mailbox.openMessage(subject);
  const dialog = mailbox.linkDialog;

  // https://bank.example@evil.example/ goes to evil.example: said plainly, and not opened (the main process refuses it too).
  await mailbox.frame.locator('#userinfo').click();
  await expect(dialog).toBeVisible();
  await expect(dialog.getByRole('alert')).toContainText('really goes to evil.example');
  await expect(dialog.getByRole('button', { name: 'Open in browser' })).toHaveCount(0);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  // The text the person sees names bank.example; the link goes elsewhere: warned each time.
  for (const [id, host] of [['hidden-part', 'bank.example.evil.example'], ['zwsp', 'evil.example'], ['leader', 'evil.example'], ['idn', 'xn--bnk-6cd.example']] as const) {
    await mailbox.frame.locator(`#${id}`).click();
    await expect(dialog).toBeVisible();
    await expect(dialog.getByLabel('Link target')).toHaveText(`https://${host}/`);
    await expect(dialog.getByRole('alert'), id).toContainText(`really goes to ${host}`);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(dialog).toBeHidden();
  }
  expect(app.openedExternally).toEqual([]);
  expect(app.blockedRequests).toEqual([]);
});

test('a style sheet the cleaner cannot edit in place does not stop the message (or the app) from showing', async ({ app }) => {
  const { servers } = app;
  const alice = servers.users[0]!;
  const t = tag();
  const subject = `Namespaced ${t}`;
  // An @namespace rule cannot be deleted while other rules follow it (deleteRule throws).
  const html = `<html><head><style>@namespace svg url(http://www.w3.org/2000/svg); p { color: rgb(0, 128, 0) }</style></head><body><p id="text">Still readable ${t}</p></body></html>`;
  await deliver(servers, alice, [rfc822({ From: 'Bob <bob@example.org>', To: alice.address, Subject: subject, Date: new Date().toUTCString(), 'Content-Type': 'text/html; charset=utf-8' }, html)]);
  const mailbox = await addImapAccount(app);
  await mailbox.openMessage(subject);
  await expect(mailbox.frame.locator('#text')).toHaveText(`Still readable ${t}`);
  await expect(mailbox.frame.locator('#text')).toHaveCSS('color', 'rgb(0, 128, 0)');
  await expect(mailbox.folder('Inbox')).toBeVisible();
});

test('a folder of 10,000 messages: the grid knows its size, holds only what is in view, and reaches the oldest', async ({ app }, testInfo) => {
  const { page, servers } = app;
  const folder = `Bulk-${tag()}`;
  await fillMaildir(servers, servers.users[0]!, { folder, count: 10_000, seen: true });
  const mailbox = await addImapAccount(app);
  await mailbox.chooseFolder(folder);
  await expect(mailbox.grid).toHaveAttribute('aria-rowcount', '10000');
  await expect(mailbox.row('Message 9999')).toBeVisible();
  expect(await mailbox.rows.count()).toBeLessThan(100);
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${testInfo.project.name}-mail-list.png`), fullPage: true });

  await mailbox.scrollToEnd();
  await expect(mailbox.grid.getByRole('gridcell', { name: 'Message 0', exact: true })).toBeVisible();
  await expect(mailbox.rows.last()).toHaveAttribute('aria-rowindex', '10000');
  expect(await mailbox.rows.count()).toBeLessThan(100);
  // Keyboard: Home goes back to the newest, Enter opens it.
  await mailbox.grid.focus();
  await page.keyboard.press('Home');
  await page.keyboard.press('Enter');
  await expect(mailbox.message.getByRole('heading', { level: 2 })).toHaveText('Message 9999');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
  await expect(mailbox.message.getByRole('heading', { level: 2 })).toHaveText('Message 9998');
});

test('read, unread, flag, move and delete from the UI change the server; search narrows the list', async ({ app }) => {
  const { servers } = app;
  const alice = servers.users[0]!;
  const t = tag();
  const archive = `Archive-${t}`;
  await fillMaildir(servers, alice, { folder: 'Trash', count: 0 });
  await fillMaildir(servers, alice, { folder: archive, count: 0 });
  const date = new Date().toUTCString();
  const plain = { 'Content-Type': 'text/plain; charset=utf-8', Date: date, To: alice.address };
  await deliver(servers, alice, [
    rfc822({ ...plain, From: `Bob Lunchman <bob.${t}@example.org>`, Subject: `Lunch ${t}` }, 'Noon at the usual place?\r\n'),
    rfc822({ ...plain, From: `Carol <carol.${t}@example.org>`, Subject: `Report ${t}` }, 'The report is ready.\r\n'),
    rfc822({ ...plain, From: `Dave <dave.${t}@example.org>`, Subject: `Invoice ${t}` }, 'Please pay by Friday.\r\n'),
  ]);
  const mailbox = await addImapAccount(app);
  await expect(mailbox.connection).toHaveText('Connected.');

  // Search on the server: by subject, by sender, by either.
  await mailbox.search(`Lunch ${t}`, 'Subject');
  await expect(mailbox.grid).toHaveAttribute('aria-rowcount', '1');
  await expect(mailbox.row(`Lunch ${t}`)).toBeVisible();
  await mailbox.search(`carol.${t}`, 'From');
  await expect(mailbox.grid).toHaveAttribute('aria-rowcount', '1');
  await expect(mailbox.row(`Report ${t}`)).toBeVisible();
  await mailbox.search(t);
  await expect(mailbox.grid).toHaveAttribute('aria-rowcount', '3');
  await mailbox.clearSearch();
  await expect.poll(() => mailbox.rowCount()).toBeGreaterThanOrEqual(3);

  // Opening marks read; the person can mark it unread again, and flag it.
  const lunch = mailbox.row(`Lunch ${t}`);
  await expect(lunch).toHaveClass(/msg--unread/);
  expect(await serverFlags(servers, alice, 'INBOX', `Lunch ${t}`)).not.toContain('\\Seen');
  await mailbox.openMessage(`Lunch ${t}`);
  await expect(mailbox.message).toContainText('Noon at the usual place?');
  await expect(lunch).not.toHaveClass(/msg--unread/);
  expect(await serverFlags(servers, alice, 'INBOX', `Lunch ${t}`)).toContain('\\Seen');
  await mailbox.act('Mark unread');
  await expect(lunch).toHaveClass(/msg--unread/);
  await expect.poll(() => serverFlags(servers, alice, 'INBOX', `Lunch ${t}`)).not.toContain('\\Seen');
  await mailbox.act('Flag');
  await expect(mailbox.actions.getByRole('button', { name: 'Unflag' })).toHaveAttribute('aria-pressed', 'true');
  await expect(lunch.getByRole('img', { name: 'Flagged' })).toBeVisible();
  await expect.poll(() => serverFlags(servers, alice, 'INBOX', `Lunch ${t}`)).toContain('\\Flagged');

  // Move to another folder: gone from the inbox, there on the server and in that folder's list.
  await mailbox.openMessage(`Report ${t}`);
  await mailbox.moveTo(archive);
  await expect(mailbox.row(`Report ${t}`)).toHaveCount(0);
  expect(await serverFlags(servers, alice, 'INBOX', `Report ${t}`)).toBeNull();
  expect(await serverFlags(servers, alice, archive, `Report ${t}`)).not.toBeNull();

  // Delete: to the Trash.
  await mailbox.openMessage(`Invoice ${t}`);
  await mailbox.act('Delete');
  await expect(mailbox.page.getByText('Moved to the Trash.')).toBeVisible();
  await expect(mailbox.row(`Invoice ${t}`)).toHaveCount(0);
  expect(await serverFlags(servers, alice, 'INBOX', `Invoice ${t}`)).toBeNull();
  expect(await serverFlags(servers, alice, 'Trash', `Invoice ${t}`)).not.toBeNull();

  await mailbox.chooseFolder(archive);
  await expect(mailbox.row(`Report ${t}`)).toBeVisible();
  await mailbox.chooseFolder('Trash');
  await expect(mailbox.row(`Invoice ${t}`)).toBeVisible();
});

test('reply all from the message: the right recipients, one "Re:", the quote, and threading headers on the wire', async ({ app }) => {
  const { page, servers } = app;
  const [alice, bob, carol] = servers.users as [MailUser, MailUser, MailUser];
  const t = tag();
  const subject = `Plans ${t}`;
  const messageId = `<plans-${t}@mailwright.test>`;
  const root = `<root-${t}@mailwright.test>`;
  await deliver(servers, alice, [
    rfc822(
      {
        From: `Bob <${bob.address}>`,
        To: `Alice <${alice.address}>`,
        Cc: `Carol <${carol.address}>`,
        Subject: subject,
        Date: new Date().toUTCString(),
        'Message-ID': messageId,
        'In-Reply-To': root,
        References: root,
        'Content-Type': 'text/plain; charset=utf-8',
      },
      `Shall we meet on Friday? ${t}\r\n`,
    ),
  ]);
  const mailbox = await addImapAccount(app);
  await mailbox.openMessage(subject);
  await mailbox.act('Reply all');

  // The reply opens in a compose window of its own.
  const compose = new ComposePage(page);
  const window = await compose.attach();
  const values = await compose.values();
  expect(values.subject).toBe(`Re: ${subject}`);
  expect(values.to).toContain(bob.address);
  expect(values.cc).toContain(carol.address);
  expect(`${values.to} ${values.cc} ${values.bcc}`).not.toContain(alice.address);
  expect(values.body).toContain(`Shall we meet on Friday? ${t}`);
  // To and Subject are filled: the cursor starts in the message, ready for the answer.
  await expect(compose.editor).toBeFocused();

  await compose.editor.click();
  await window.keyboard.press('Control+Home');
  await window.keyboard.type(`Friday works. ${t}-reply`);
  await compose.send();
  await expect(compose.undoBanner).toContainText(`Re: ${subject}`);

  const raw = await waitForMessage(servers, bob, (source) => source.includes(`${t}-reply`), 20_000);
  const mail = await simpleParser(raw);
  expect(mail.subject).toBe(`Re: ${subject}`);
  expect(addresses(mail.to)).toContain(bob.address);
  expect(addresses(mail.cc)).toContain(carol.address);
  expect(mail.inReplyTo).toBe(messageId);
  const references = Array.isArray(mail.references) ? mail.references : [mail.references];
  expect(references).toEqual([root, messageId]);
});

test('an attachment is saved where the person chose, byte for byte', async ({ app }) => {
  test.skip(app.mode !== 'bridge', 'the save dialog is scripted through the bridge');
  const { servers } = app;
  const alice = servers.users[0]!;
  const t = tag();
  const bytes = randomBytes(50_000);
  const boundary = `b-${t}`;
  const body = [
    `--${boundary}`,
    'Content-Type: text/plain; charset=utf-8',
    '',
    'The figures are attached.',
    `--${boundary}`,
    'Content-Type: application/octet-stream; name="figures.bin"',
    'Content-Disposition: attachment; filename="figures.bin"',
    'Content-Transfer-Encoding: base64',
    '',
    ...(bytes.toString('base64').match(/.{1,76}/g) ?? []),
    `--${boundary}--`,
    '',
  ].join('\r\n');
  await deliver(servers, alice, [
    rfc822({ From: 'Bob <bob@example.org>', To: alice.address, Subject: `Figures ${t}`, Date: new Date().toUTCString(), 'Content-Type': `multipart/mixed; boundary="${boundary}"` }, body),
  ]);
  const dir = mkdtempSync(join(tmpdir(), 'mailwright-e2e-save-'));
  try {
    const mailbox = await addImapAccount(app);
    await mailbox.openMessage(`Figures ${t}`);
    const attachments = mailbox.message.getByRole('region', { name: 'Attachments' });
    await expect(attachments).toContainText('figures.bin');
    await expect(attachments).toContainText('49 KB');

    // Cancelled dialog: nothing said, nothing written.
    await mailbox.saveAttachment('figures.bin');
    await expect(mailbox.message.getByRole('button', { name: 'Save figures.bin' })).toBeEnabled();
    await expect(mailbox.message.getByRole('status', { name: 'Message status' })).toHaveText('');

    const target = join(dir, 'saved.bin');
    app.nextSavePath(target);
    await mailbox.saveAttachment('figures.bin');
    await expect(mailbox.message.getByRole('status', { name: 'Message status' })).toHaveText('Attachment saved.');
    expect(readFileSync(target).equals(bytes)).toBe(true);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bounce shows as a delivery report: badge in the list, the per-recipient table, and the sent message it belongs to', async ({ app }) => {
  const { page, servers } = app;
  const t = tag();
  const mailbox = await addImapAccount(app);
  await expect(mailbox.grid).not.toHaveAttribute('aria-busy', 'true');
  const firstRow = mailbox.grid.locator('[aria-rowindex="1"]');
  const before = (await firstRow.count()) ? await firstRow.getAttribute('data-uid') : null;

  const compose = new ComposePage(page);
  await compose.open();
  const subject = `Will bounce ${t}`;
  const recipient = `nobody-${t}@${servers.bounceDomain}`;
  await compose.write({ to: recipient, subject, body: 'This address does not exist.' });
  await compose.send();
  await expect(compose.undoBanner).toContainText(subject);

  await mailbox.open();
  // The report arrives as new mail (the list follows mail:changed); it is the newest message.
  const newest = async () => ((await firstRow.count()) ? await firstRow.getAttribute('data-uid') : null);
  await expect.poll(async () => { const uid = await newest(); return uid !== null && uid !== before; }, { timeout: 30_000 }).toBe(true);
  await expect(firstRow.locator('.badge')).toHaveText('Delivery report');
  await firstRow.click();
  const report = mailbox.message.getByRole('region', { name: /^(Bounce|Delivery report)/ });
  await expect(report.getByRole('heading')).toHaveText('Bounce: your message was not delivered');
  const line = report.getByRole('row').filter({ hasText: recipient });
  await expect(line).toContainText('failed');
  await expect(line).toContainText('5.1.1');
  await expect(report).toContainText(`Linked to your message “${subject}”`);
});
