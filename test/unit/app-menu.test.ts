import { describe, expect, it } from 'vitest';
import { APP_COMMANDS } from '../../shared/channels';
import { commandForKey, matchesAccelerator, SHORTCUTS, type KeyPress } from '../../shared/shortcuts';
import { commandAction, commandSelector } from '../../src-renderer/features/app/app-commands';
import { diagnosticsText, menuItems, menuTemplate, type MenuItemSpec, type MenuOptions } from '../../src-main/electron/menu-template';

const options = (platform: string, isPackaged: boolean): MenuOptions => ({ platform, appName: 'Mailwright', version: '0.2.0', dataDir: '/home/ann/.config/Mailwright', isPackaged });
const variants = ['darwin', 'win32', 'linux'].flatMap((platform) => [options(platform, true), options(platform, false)]);

/**
 * Electron's own accelerators of the roles the menu uses (lib/browser/api/menu-item-roles.ts),
 * so a role and one of our items cannot silently share a key. Roles missing here have none.
 */
function roleAccelerator(role: string, platform: string): string | undefined {
  const mac = platform === 'darwin';
  const table: Record<string, string | undefined> = {
    undo: 'CommandOrControl+Z',
    redo: platform === 'win32' ? 'Control+Y' : 'Shift+CommandOrControl+Z',
    cut: 'CommandOrControl+X',
    copy: 'CommandOrControl+C',
    paste: 'CommandOrControl+V',
    selectAll: 'CommandOrControl+A',
    resetZoom: 'CommandOrControl+0',
    zoomIn: 'CommandOrControl+Plus',
    zoomOut: 'CommandOrControl+-',
    togglefullscreen: mac ? 'Control+Command+F' : 'F11',
    reload: 'CmdOrCtrl+R',
    toggleDevTools: mac ? 'Alt+Command+I' : 'Ctrl+Shift+I',
    minimize: 'CommandOrControl+M',
    close: 'CommandOrControl+W',
    quit: platform === 'win32' ? undefined : 'CommandOrControl+Q',
    hide: 'Command+H',
    hideOthers: 'Command+Alt+H',
  };
  return table[role];
}

/** Roles that have no key in any application (macOS's own menus have none for them either). */
const ROLES_WITHOUT_KEY = new Set(['about', 'services', 'unhide', 'front', 'zoom', 'help', 'quit']);

/** One spelling per key combination: CmdOrCtrl = CommandOrControl, modifiers in any order, any case. */
function normalize(accelerator: string, platform: string): string {
  const parts = accelerator.split('+').map((p) => p.toLowerCase());
  const key = parts.pop()!;
  const mods = parts.map((m) => {
    if (m === 'cmdorctrl' || m === 'commandorcontrol') return platform === 'darwin' ? 'command' : 'control';
    if (m === 'ctrl') return 'control';
    if (m === 'cmd') return 'command';
    if (m === 'option') return 'alt';
    return m;
  });
  return [...new Set(mods)].sort().concat(key).join('+');
}

const effectiveAccelerator = (item: MenuItemSpec, platform: string) => item.accelerator ?? (item.role ? roleAccelerator(item.role, platform) : undefined);

describe('application menu', () => {
  it.each(variants)('every item has a label or a role, or is a separator ($platform, packaged $isPackaged)', (o) => {
    for (const item of menuItems(menuTemplate(o))) {
      if (item.type === 'separator') expect(Object.keys(item)).toEqual(['type']);
      else expect(Boolean(item.label?.trim()) || Boolean(item.role), JSON.stringify(item)).toBe(true);
    }
  });

  it.each(variants)('every action has a key, and no key is used twice in the whole menu ($platform, packaged $isPackaged)', (o) => {
    const seen = new Map<string, string>();
    for (const item of menuItems(menuTemplate(o))) {
      if (item.type === 'separator' || item.submenu) continue;
      const accelerator = effectiveAccelerator(item, o.platform);
      if (!accelerator) {
        expect(item.command, `${item.label ?? item.role} needs a key`).toBeUndefined();
        expect(ROLES_WITHOUT_KEY.has(item.role ?? ''), `${item.label ?? item.role} needs a key`).toBe(true);
        continue;
      }
      const key = normalize(accelerator, o.platform);
      const name = item.label ?? item.role!;
      expect(seen.get(key), `${name} and ${seen.get(key)} share ${accelerator}`).toBeUndefined();
      seen.set(key, name);
    }
  });

  it('has the items the issue names, with their keys', () => {
    const items = menuItems(menuTemplate(options('linux', true)));
    const byLabel = (label: string) => items.find((i) => i.label === label);
    expect(menuTemplate(options('linux', true)).map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Message', 'Window', 'Help']);
    expect(byLabel('New Message')).toMatchObject({ accelerator: 'CmdOrCtrl+N', command: { to: 'renderer', name: 'new-message' } });
    expect(byLabel('Check Mail')?.command).toEqual({ to: 'renderer', name: 'check-mail' });
    expect(byLabel('Close Window')).toMatchObject({ role: 'close' });
    expect(byLabel('Send')).toMatchObject({ accelerator: 'CmdOrCtrl+Enter', command: { to: 'renderer', name: 'send' } });
    expect(byLabel('Reply')).toMatchObject({ accelerator: 'CmdOrCtrl+R', command: { to: 'renderer', name: 'reply' } });
    expect(byLabel('Reply All')).toMatchObject({ accelerator: 'CmdOrCtrl+Shift+R', command: { to: 'renderer', name: 'reply-all' } });
    expect(byLabel('Forward')).toMatchObject({ accelerator: 'CmdOrCtrl+L', command: { to: 'renderer', name: 'forward' } });
    expect(byLabel('Search Messages')).toMatchObject({ accelerator: 'CmdOrCtrl+K', command: { to: 'renderer', name: 'search' } });
    expect(byLabel('Next Message')).toMatchObject({ accelerator: 'CmdOrCtrl+]', command: { to: 'renderer', name: 'next-message' } });
    expect(byLabel('Previous Message')).toMatchObject({ accelerator: 'CmdOrCtrl+[', command: { to: 'renderer', name: 'previous-message' } });
    expect(byLabel('Outbox')).toMatchObject({ accelerator: 'CmdOrCtrl+Shift+O', command: { to: 'renderer', name: 'show-outbox' } });
    // Delete is shown, but left to the page, which acts on it only outside text fields.
    expect(byLabel('Delete Message')).toMatchObject({ accelerator: 'Delete', registerAccelerator: false, command: { to: 'renderer', name: 'delete' } });
    expect(byLabel('About Mailwright 0.2.0')?.command).toEqual({ to: 'main', name: 'about' });
    expect(byLabel('Show Data Folder')?.command).toEqual({ to: 'main', name: 'show-data-folder' });
    expect(byLabel('Copy Diagnostics')?.command).toEqual({ to: 'main', name: 'copy-diagnostics' });
    const roles = items.map((i) => i.role);
    for (const role of ['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'resetZoom', 'zoomIn', 'zoomOut', 'togglefullscreen', 'minimize', 'quit'] as const) {
      expect(roles).toContain(role);
    }
    // Every command the window understands is reachable from the menu.
    const rendererCommands = items.flatMap((i) => (i.command?.to === 'renderer' ? [i.command.name] : []));
    expect([...rendererCommands].sort()).toEqual([...APP_COMMANDS].sort());
  });

  it.each(variants)('every key the menu registers has a modifier or is a function key, so typing never triggers it ($platform, packaged $isPackaged)', (o) => {
    for (const item of menuItems(menuTemplate(o))) {
      if (!item.accelerator || item.registerAccelerator === false) continue;
      expect(item.accelerator, item.label).toMatch(/^(F\d+|.*(CmdOrCtrl|Ctrl|Cmd|Alt|Option)\+.+)$/);
    }
  });

  it('shows each window command with the key the window handles itself (shared/shortcuts.ts)', () => {
    for (const item of menuItems(menuTemplate(options('linux', true)))) {
      if (item.command?.to !== 'renderer') continue;
      expect(item.accelerator, item.label).toBe(SHORTCUTS[item.command.name].accelerator);
      expect(item.registerAccelerator, item.label).toBe(SHORTCUTS[item.command.name].outsideTextFields ? false : undefined);
    }
  });

  it.each(['darwin', 'win32', 'linux'])('offers Reload and DevTools only in a development build (%s)', (platform) => {
    const roles = (packaged: boolean) => menuItems(menuTemplate(options(platform, packaged))).map((i) => i.role);
    expect(roles(true)).not.toContain('reload');
    expect(roles(true)).not.toContain('toggleDevTools');
    expect(roles(true)).not.toContain('forceReload');
    expect(roles(false)).toContain('reload');
    expect(roles(false)).toContain('toggleDevTools');
    // Ctrl+R is Reply, in every build.
    const reload = menuItems(menuTemplate(options(platform, false))).find((i) => i.role === 'reload')!;
    expect(normalize(effectiveAccelerator(reload, platform)!, platform)).not.toBe(normalize('CmdOrCtrl+R', platform));
  });

  it('puts the macOS app menu first, and only on macOS', () => {
    const mac = menuTemplate(options('darwin', true));
    expect(mac[0]!.label).toBe('Mailwright');
    expect(mac[0]!.submenu!.map((i) => i.role).filter(Boolean)).toEqual(['about', 'services', 'hide', 'hideOthers', 'unhide', 'quit']);
    expect(mac.slice(1).map((m) => m.label)).toEqual(['File', 'Edit', 'View', 'Message', 'Window', 'Help']);
    for (const platform of ['win32', 'linux']) {
      const items = menuTemplate(options(platform, true));
      expect(items[0]!.label).toBe('File');
      expect(menuItems(items).map((i) => i.role)).not.toContain('services');
      expect(menuItems(items).map((i) => i.role)).not.toContain('hide');
    }
  });

  it.each(variants)('links nowhere: no URL, no electronjs.org ($platform, packaged $isPackaged)', (o) => {
    const text = JSON.stringify(menuTemplate(o));
    expect(text).not.toMatch(/electronjs|electron\.org|https?:/i);
    // Electron's default Help items (Learn More, Documentation, Community Discussions, Search Issues) are not there.
    expect(text).not.toMatch(/Learn More|Documentation|Community|Search Issues/);
  });
});

describe('diagnostics text', () => {
  it('names versions and the data folder', () => {
    const text = diagnosticsText({
      appName: 'Mailwright',
      version: '0.2.0',
      platform: 'linux',
      arch: 'x64',
      osRelease: '6.8.0',
      versions: { electron: '41.7.1', chrome: '146.0', node: '24.1.0' },
      dataDir: '/home/ann/.config/Mailwright',
      isPackaged: true,
    });
    expect(text).toBe(
      ['Mailwright 0.2.0', 'Platform: linux x64 6.8.0', 'Electron: 41.7.1', 'Chrome: 146.0', 'Node: 24.1.0', 'Data folder: /home/ann/.config/Mailwright'].join('\n'),
    );
  });
});

describe('menu commands in the window', () => {
  it('opens a fresh compose for New Message from any view', () => {
    for (const view of ['mail', 'compose', 'outbox', 'drafts', 'accounts']) expect(commandAction('new-message', view)).toEqual({ kind: 'new-message' });
  });

  it('presses Check mail in the Mail view, and shows the Mail view first from elsewhere', () => {
    expect(commandAction('check-mail', 'mail')).toEqual({ kind: 'press', target: 'check-mail' });
    expect(commandAction('check-mail', 'outbox')).toEqual({ kind: 'show-then-press', view: 'mail', target: 'check-mail' });
  });

  it('sends, replies and forwards only where that button is on screen', () => {
    expect(commandAction('send', 'compose')).toEqual({ kind: 'press', target: 'send' });
    for (const command of ['reply', 'reply-all', 'forward'] as const) {
      expect(commandAction(command, 'mail')).toEqual({ kind: 'press', target: command });
      expect(commandAction(command, 'compose')).toEqual({ kind: 'nothing' });
    }
    for (const view of ['mail', 'outbox', 'drafts', 'accounts', 'wizard']) expect(commandAction('send', view)).toEqual({ kind: 'nothing' });
  });

  it('finds a button for every press: the views mark it data-command', async () => {
    const { readFile } = await import('node:fs/promises');
    const sources = (
      await Promise.all(['features/mailbox/MessagePane.tsx', 'features/mailbox/MailView.tsx', 'features/compose/ComposeWindow.tsx'].map((f) => readFile(`src-renderer/${f}`, 'utf8')))
    ).join('\n');
    const pressed = APP_COMMANDS.filter((c) => ['mail', 'compose'].some((view) => ['press', 'show-then-press'].includes(commandAction(c, view).kind)));
    expect(pressed.sort()).toEqual(['check-mail', 'delete', 'forward', 'next-message', 'previous-message', 'reply', 'reply-all', 'search', 'send']);
    for (const command of pressed) {
      expect(commandSelector(command)).toBe(`[data-command="${command}"]`);
      expect(sources, command).toContain(`data-command="${command}"`);
    }
  });
});

describe('the window handles the same keys', () => {
  const key = (k: string, mods: Partial<KeyPress> = {}): KeyPress => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods });
  const off = { mac: false, inTextField: false };

  it('finds each command by its key, with exactly its modifiers (Cmd on macOS, Ctrl elsewhere)', () => {
    expect(commandForKey(key('n', { ctrlKey: true }), off)).toBe('new-message');
    expect(commandForKey(key('N', { ctrlKey: true, shiftKey: true }), off)).toBe('check-mail');
    expect(commandForKey(key('k', { ctrlKey: true }), off)).toBe('search');
    expect(commandForKey(key(']', { ctrlKey: true }), off)).toBe('next-message');
    expect(commandForKey(key('[', { ctrlKey: true }), off)).toBe('previous-message');
    expect(commandForKey(key('O', { ctrlKey: true, shiftKey: true }), off)).toBe('show-outbox');
    expect(commandForKey(key('Enter', { ctrlKey: true }), off)).toBe('send');
    expect(commandForKey(key('k', { metaKey: true }), { mac: true, inTextField: false })).toBe('search');
    // Ctrl on macOS, Cmd elsewhere, or a modifier too many: not the shortcut.
    expect(commandForKey(key('k', { ctrlKey: true }), { mac: true, inTextField: false })).toBeNull();
    expect(commandForKey(key('k', { metaKey: true }), off)).toBeNull();
    expect(commandForKey(key('r', { ctrlKey: true, altKey: true }), off)).toBeNull();
    expect(commandForKey(key('k'), off)).toBeNull();
  });

  it('Delete deletes a message only when focus is not in a text field; the other keys work anywhere', () => {
    expect(commandForKey(key('Delete'), off)).toBe('delete');
    expect(commandForKey(key('Delete'), { mac: false, inTextField: true })).toBeNull();
    expect(commandForKey(key('k', { ctrlKey: true }), { mac: false, inTextField: true })).toBe('search');
    expect(commandForKey(key('Backspace'), off)).toBeNull();
  });

  it('never takes a key of the Edit menu or of text editing', () => {
    for (const accelerator of ['CmdOrCtrl+Z', 'CmdOrCtrl+Shift+Z', 'CmdOrCtrl+Y', 'CmdOrCtrl+X', 'CmdOrCtrl+C', 'CmdOrCtrl+V', 'CmdOrCtrl+A', 'CmdOrCtrl+B', 'CmdOrCtrl+I', 'CmdOrCtrl+Backspace', 'Backspace']) {
      for (const mac of [false, true]) {
        const [k, ...mods] = accelerator.split('+').reverse();
        const press = key(k!.toLowerCase(), { ctrlKey: !mac && mods.includes('CmdOrCtrl'), metaKey: mac && mods.includes('CmdOrCtrl'), shiftKey: mods.includes('Shift') });
        expect(commandForKey(press, { mac, inTextField: true }), accelerator).toBeNull();
      }
    }
    expect(matchesAccelerator('CmdOrCtrl+]', key(']', { ctrlKey: true }), false)).toBe(true);
  });

  it('shows the Outbox from any view; Search shows the Mail view first; next, previous and delete act in the Mail view only', () => {
    for (const view of ['mail', 'compose', 'outbox', 'drafts', 'accounts']) expect(commandAction('show-outbox', view)).toEqual({ kind: 'show', view: 'outbox' });
    expect(commandAction('search', 'mail')).toEqual({ kind: 'press', target: 'search' });
    expect(commandAction('search', 'compose')).toEqual({ kind: 'show-then-press', view: 'mail', target: 'search' });
    for (const command of ['next-message', 'previous-message', 'delete'] as const) {
      expect(commandAction(command, 'mail')).toEqual({ kind: 'press', target: command });
      expect(commandAction(command, 'compose')).toEqual({ kind: 'nothing' });
    }
  });
});
