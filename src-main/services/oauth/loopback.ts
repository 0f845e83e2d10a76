/**
 * The loopback redirect of RFC 8252 (7.3): a listener on 127.0.0.1 and an ephemeral port that waits
 * for ONE answer from the person's browser, on one path and with the `state` of this sign-in. It is
 * not an API: it serves nothing but a short "you can close this tab" page to that one request, and
 * answers 404 to every other path and 400 to the right path with another state (a stray or forged
 * request cannot end the sign-in). It closes after the answer, on cancel and on timeout, so no port
 * stays open. The browser then shows a page telling the person to go back to Mailwright.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const REDIRECT_PATH = '/callback';

export interface LoopbackListener {
  /** http://127.0.0.1:<port>/callback */
  redirectUri: string;
  /** The query of the one answer; rejects with an AbortError-like error when `signal` fires. */
  answer: Promise<URLSearchParams>;
  /** Stops listening (idempotent); resolves once the port is closed. */
  close(): Promise<void>;
}

const page = (title: string, text: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>` +
  `<style>body{font:16px system-ui,sans-serif;margin:4rem auto;max-width:32rem;padding:0 1rem;color:#222;background:#fff}` +
  `@media (prefers-color-scheme:dark){body{color:#eee;background:#1e1e1e}}</style></head>` +
  `<body><h1>${title}</h1><p>${text}</p></body></html>`;

export const DONE_PAGE = page('Mailwright', 'You can close this tab and go back to Mailwright.');
const NOT_COMPLETED_PAGE = page('Mailwright', 'The sign-in was not completed. You can close this tab and go back to Mailwright, which says what happened.');

export class SignInStopped extends Error {
  constructor(readonly reason: 'cancelled' | 'timeout' | 'replaced') {
    super(`sign-in ${reason}`);
    this.name = 'SignInStopped';
  }
}

export async function openLoopback(options: { state: string; signal: AbortSignal }): Promise<LoopbackListener> {
  let settle!: { resolve: (q: URLSearchParams) => void; reject: (e: unknown) => void };
  const answer = new Promise<URLSearchParams>((resolve, reject) => (settle = { resolve, reject }));
  answer.catch(() => undefined); // the caller awaits it; an early stop must not be an unhandled rejection
  let answered = false;

  const server = http.createServer((req, res) => {
    const headers = { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', Connection: 'close' };
    const url = URL.parse(req.url ?? '/', 'http://127.0.0.1');
    if (answered || req.method !== 'GET' || !url || url.pathname !== REDIRECT_PATH) {
      res.writeHead(404, headers).end(page('Not found', 'Nothing here.'));
      return;
    }
    if (url.searchParams.get('state') !== options.state) {
      res.writeHead(400, headers).end(page('Mailwright', 'This answer does not belong to the sign-in Mailwright is waiting for. Go back to Mailwright.'));
      return;
    }
    answered = true;
    const completed = url.searchParams.has('code') && !url.searchParams.has('error');
    res.writeHead(200, headers).end(completed ? DONE_PAGE : NOT_COMPLETED_PAGE);
    settle.resolve(url.searchParams);
    void close();
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 10_000;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }));

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  const stop = () => {
    const reason = options.signal.reason instanceof SignInStopped ? options.signal.reason : new SignInStopped('cancelled');
    settle.reject(reason);
    void close();
  };
  if (options.signal.aborted) stop();
  else options.signal.addEventListener('abort', stop, { once: true });
  void answer.finally(() => options.signal.removeEventListener('abort', stop)).catch(() => undefined);

  return { redirectUri: `http://127.0.0.1:${port}${REDIRECT_PATH}`, answer, close };
}
