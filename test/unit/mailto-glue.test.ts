/**
 * The Electron glue for mailto: links, with a recording stand-in for `electron` (no binary on this machine):
 * which app events it listens to, and that links from each source reach the back end once it exists.
 * Not a substitute for Electron delivering open-url or second-instance; the `_electron` spec does that where a binary exists.
 */
import type { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi, type Mock } from 'vitest';

type FakeApp = EventEmitter & { isPackaged: boolean; isDefaultProtocolClient: Mock; setAsDefaultProtocolClient: Mock };
const fake = vi.hoisted(() => ({ app: null as unknown as FakeApp }));
vi.mock('electron', async () => {
  const { EventEmitter: Emitter } = await import('node:events');
  fake.app = Object.assign(new Emitter(), {
    isPackaged: true,
    isDefaultProtocolClient: vi.fn(() => false),
    setAsDefaultProtocolClient: vi.fn(() => true),
  });
  return { app: fake.app, default: { app: fake.app } };
});

const originalArgv = process.argv;
afterEach(() => {
  process.argv = originalArgv;
});

describe('collectMailtoLinks', () => {
  it('hands over links from argv, open-url (before the back end) and second-instance, in order', async () => {
    process.argv = ['/opt/Mailwright/mailwright', '--no-sandbox', 'mailto:first@example.com'];
    const { collectMailtoLinks } = await import('../../src-main/electron/mailto-glue');
    const links = collectMailtoLinks();
    let prevented = false;
    fake.app.emit('open-url', { preventDefault: () => (prevented = true) }, 'mailto:early@example.com');
    expect(prevented).toBe(true);
    const got: string[] = [];
    links.deliverTo((url) => got.push(url));
    expect(got).toEqual(['mailto:first@example.com', 'mailto:early@example.com']);
    fake.app.emit('second-instance', {}, ['/opt/Mailwright/mailwright', 'mailto:second@example.com?subject=x'], '/home');
    expect(got).toEqual(['mailto:first@example.com', 'mailto:early@example.com', 'mailto:second@example.com?subject=x']);
  });

  it('registers mailto: at run time on Windows, in the installed app only', async () => {
    const { collectMailtoLinks } = await import('../../src-main/electron/mailto-glue');
    const platform = Object.getOwnPropertyDescriptor(process, 'platform')!;
    const register = fake.app.setAsDefaultProtocolClient;
    try {
      Object.defineProperty(process, 'platform', { value: 'linux' });
      register.mockClear();
      collectMailtoLinks();
      expect(register).not.toHaveBeenCalled(); // the .desktop file's MimeType does it
      Object.defineProperty(process, 'platform', { value: 'win32' });
      collectMailtoLinks();
      expect(register).toHaveBeenCalledWith('mailto');
      register.mockClear();
      fake.app.isPackaged = false;
      collectMailtoLinks();
      expect(register).not.toHaveBeenCalled(); // development: it would register the bare Electron binary
    } finally {
      Object.defineProperty(process, 'platform', platform);
      fake.app.isPackaged = true;
    }
  });
});
