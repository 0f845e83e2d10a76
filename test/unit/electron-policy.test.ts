import { describe, expect, it } from 'vitest';
import { APP_ORIGIN, CONTENT_SECURITY_POLICY, isAllowedNavigation, isAllowedSubframeNavigation, osSecretBackend, resolveAppAsset, stripsCookies, withoutCookies } from '../../src-main/electron/policy';
import { externalUrlToOpen } from '../../src-main/services/link-policy';

describe('window policy', () => {
  it('opens only http, https and mailto links outside the app', () => {
    expect(externalUrlToOpen('https://mailwright.app/help')).toBe('https://mailwright.app/help');
    expect(externalUrlToOpen('mailto:bob@example.com')).toBe('mailto:bob@example.com');
    for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-msdt:/id', 'https://user:pw@evil.example', 'nonsense']) {
      expect(externalUrlToOpen(url), url).toBeNull();
    }
  });

  it('lets the window navigate only within its own origin', () => {
    expect(isAllowedNavigation(`${APP_ORIGIN}/index.html`, APP_ORIGIN)).toBe(true);
    expect(isAllowedNavigation('https://evil.example/', APP_ORIGIN)).toBe(false);
    expect(isAllowedNavigation('app://mailwright.evil/', APP_ORIGIN)).toBe(false);
  });

  it('lets a message frame load only its own document, never a link target or a page of our own', () => {
    expect(isAllowedSubframeNavigation('about:srcdoc')).toBe(true);
    expect(isAllowedSubframeNavigation('about:blank')).toBe(true);
    for (const url of ['https://evil.example/', 'http://tracker.example/p', `${APP_ORIGIN}/index.html`, 'javascript:alert(1)', 'data:text/html,<script>1</script>', 'about:srcdoc#x']) {
      expect(isAllowedSubframeNavigation(url)).toBe(false);
    }
  });

  it('serves renderer files only from inside the renderer folder', () => {
    const root = '/opt/mailwright/renderer';
    expect(resolveAppAsset(root, `${APP_ORIGIN}/`)).toBe(`${root}/index.html`);
    expect(resolveAppAsset(root, `${APP_ORIGIN}/assets/index.js`)).toBe(`${root}/assets/index.js`);
    // The URL parser folds dot segments (also %2e%2e), so these stay inside the folder.
    expect(resolveAppAsset(root, `${APP_ORIGIN}/../../etc/passwd`)).toBe(`${root}/etc/passwd`);
    expect(resolveAppAsset(root, `${APP_ORIGIN}/%2e%2e/%2e%2e/etc/passwd`)).toBe(`${root}/etc/passwd`);
    for (const url of [
      `${APP_ORIGIN}/..%2f..%2fetc%2fpasswd`,
      `${APP_ORIGIN}/assets/%2e%2e%2f%2e%2e%2fsecret`,
      `${APP_ORIGIN}/a%00.js`,
      'app://other/index.html',
      'https://mailwright/index.html',
    ]) {
      expect(resolveAppAsset(root, url), url).toBeNull();
    }
  });

  it('has a CSP that allows no remote code, no inline script and no network', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('connect-src')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('lets images load over https only (remote images of a message, after consent), never over plain http', () => {
    const directives = new Map(CONTENT_SECURITY_POLICY.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    expect(directives.get('img-src')).toEqual(["'self'", 'data:', 'https:']);
    expect(directives.get('style-src')).toEqual(["'self'"]);
    for (const directive of ['frame-src', 'object-src', 'media-src', 'font-src', 'form-action']) {
      expect(directives.get(directive), directive).not.toContain('https:');
    }
  });
});

describe('secret protection choice', () => {
  it('uses the OS only where it really encrypts', () => {
    const never = () => {
      throw new Error('only asked on Linux');
    };
    expect(osSecretBackend('darwin', true, never)).toEqual({ name: 'keychain', encrypts: true });
    expect(osSecretBackend('win32', true, never)).toEqual({ name: 'dpapi', encrypts: true });
    expect(osSecretBackend('linux', true, () => 'gnome_libsecret')).toEqual({ name: 'gnome_libsecret', encrypts: true });
    expect(osSecretBackend('linux', true, () => 'basic_text')).toEqual({ name: 'basic_text', encrypts: false });
    expect(osSecretBackend('linux', false, () => 'kwallet5')).toEqual({ name: 'unavailable', encrypts: false });
  });
});

describe('no third-party cookies', () => {
  it('strips Cookie and Set-Cookie (any case) from every request that leaves the app, and keeps the other headers', () => {
    expect(stripsCookies('https://tracker.example/pixel.gif', APP_ORIGIN)).toBe(true);
    expect(stripsCookies('http://127.0.0.1:8080/x', APP_ORIGIN)).toBe(true);
    expect(stripsCookies(`${APP_ORIGIN}/index.html`, APP_ORIGIN)).toBe(false);
    expect(withoutCookies({ Cookie: 'a=1', Accept: 'image/*' }, 'cookie')).toEqual({ Accept: 'image/*' });
    expect(withoutCookies({ 'set-cookie': ['id=1'], 'Set-Cookie': ['id=2'], 'content-type': ['image/gif'] }, 'set-cookie')).toEqual({ 'content-type': ['image/gif'] });
  });
});
