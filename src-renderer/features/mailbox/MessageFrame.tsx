/**
 * Shows sanitized message HTML in a frame that can do nothing by itself.
 *
 * - sandbox="allow-same-origin" only: no scripts, popups, forms or top navigation. Same origin is
 *   what lets this component style the frame, measure it and catch its link clicks; it is safe only
 *   because no script can ever run in there (sandbox, both CSPs, DOMPurify).
 * - srcdoc with the frame's own CSP as the first element of its head. A srcdoc document also
 *   inherits the app's CSP (checked in Chromium: both apply; frame-src 'none' does not stop srcdoc).
 * - The app's CSP refuses inline styles (style-src 'self'), so a message's style attributes and
 *   <style> rules would be dropped. Instead of loosening the app's CSP, the styles, already
 *   cleaned of remote urls, are applied here through the CSSOM (element.style and an adopted
 *   constructed sheet), which CSP does not govern. Image loads they cause still go through img-src.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { STYLE_ATTR, type SanitizedMail } from './sanitize';

const MAX_HEIGHT = 50_000;

const BASE_CSS = `
html { color-scheme: light; }
body { margin: 0; padding: 16px; font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, Ubuntu, sans-serif; color: #1b2233; background: #ffffff; overflow-wrap: anywhere; }
img { max-width: 100%; height: auto; }
pre { white-space: pre-wrap; }
a[href] { color: #2f5bea; cursor: pointer; }
`;

export function frameDocument(body: string, allowRemote: boolean): string {
  const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:${allowRemote ? ' https: http:' : ''}; font-src data:`;
  return `<!doctype html><html><head><meta http-equiv="Content-Security-Policy" content="${csp}"><meta charset="utf-8"><meta name="referrer" content="no-referrer"></head>${body}</html>`;
}

function linkAt(target: EventTarget | null): Element | null {
  let node = target as Node | null;
  for (let depth = 0; node && depth < 1000; depth++, node = node.parentNode) {
    if (node.nodeType === Node.ELEMENT_NODE) {
      const el = node as Element;
      if ((el.localName === 'a' || el.localName === 'area') && el.hasAttribute('href')) return el;
    }
  }
  return null;
}

export function MessageFrame(props: { mail: SanitizedMail; allowRemote: boolean; onLink: (href: string, text: string) => void }) {
  const ref = useRef<HTMLIFrameElement>(null);
  const [height, setHeight] = useState(120);
  const [ready, setReady] = useState(false);
  const detach = useRef<() => void>(() => {});
  const onLink = useRef(props.onLink);
  onLink.current = props.onLink;
  const srcDoc = useMemo(() => frameDocument(props.mail.body, props.allowRemote), [props.mail.body, props.allowRemote]);

  useEffect(() => {
    setReady(false);
  }, [srcDoc]);
  useEffect(() => () => detach.current(), []);

  function onLoad() {
    detach.current();
    const frame = ref.current;
    const doc = frame?.contentDocument;
    const win = frame?.contentWindow as (Window & typeof globalThis) | null | undefined;
    if (!frame || !doc || !win || !doc.documentElement) return;
    // The sheet must be constructed in the frame's own realm to be adopted there.
    const sheet = new win.CSSStyleSheet();
    sheet.replaceSync(`${BASE_CSS}\n${props.mail.css}`);
    doc.adoptedStyleSheets = [sheet];
    for (const el of doc.querySelectorAll(`[${STYLE_ATTR}]`)) {
      (el as HTMLElement).style.cssText = el.getAttribute(STYLE_ATTR) ?? '';
      el.removeAttribute(STYLE_ATTR);
    }
    const click = (event: MouseEvent) => {
      // Nothing in the message navigates by itself: every click is stopped, links go through the app.
      event.preventDefault();
      const link = linkAt(event.target);
      // innerText, not textContent: the text as shown, without parts hidden by CSS (display: none) that would
      // make "https://bank.example<span hidden>.evil.example</span>" match its target and escape the warning.
      if (link && event.type === 'click') onLink.current(link.getAttribute('href') ?? '', (link as HTMLElement).innerText);
    };
    const stop = (event: Event) => event.preventDefault();
    doc.addEventListener('click', click, true);
    doc.addEventListener('auxclick', click, true);
    doc.addEventListener('submit', stop, true);
    doc.addEventListener('dragstart', stop, true);
    const measure = () => setHeight(Math.min(MAX_HEIGHT, Math.max(40, doc.documentElement.scrollHeight)));
    const observer = new ResizeObserver(measure);
    observer.observe(doc.documentElement);
    measure();
    detach.current = () => {
      observer.disconnect();
      doc.removeEventListener('click', click, true);
      doc.removeEventListener('auxclick', click, true);
      doc.removeEventListener('submit', stop, true);
      doc.removeEventListener('dragstart', stop, true);
    };
    setReady(true);
  }

  return (
    <iframe
      ref={ref}
      className={ready ? 'message-frame' : 'message-frame message-frame--loading'}
      title="Message content"
      sandbox="allow-same-origin"
      referrerPolicy="no-referrer"
      srcDoc={srcDoc}
      onLoad={onLoad}
      data-ready={ready ? 'true' : 'false'}
      style={{ height }}
    />
  );
}
