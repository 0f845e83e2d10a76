/**
 * Fetches one config document over HTTPS (or HTTP where the person allowed it), with everything a
 * document from the open network needs: our own DNS, certificate verification against the system
 * roots plus configured extra authorities, a size limit, one deadline for the whole exchange, and at
 * most MAX_REDIRECTS redirects, each only to https.
 */
import http from 'node:http';
import https from 'node:https';
import { describeDnsError, isNoRecords, resolveHost, fixedLookup, type DnsContext, type ResolvedAddress } from './dns';
import { describeConnectionError } from './net-errors';
import { tlsOptionsFor } from '../tls-trust';

export const MAX_REDIRECTS = 3;

export interface HttpContext {
  dns: Omit<DnsContext, 'signal'>;
  timeoutMs: number;
  maxBytes: number;
  extraCertificateAuthorities?: readonly string[];
  signal: AbortSignal;
}

export type FetchOutcome =
  | { ok: true; body: string; url: string }
  /** notFound: the host or the document does not exist (as opposed to a failure on the way). */
  | { ok: false; notFound: boolean; detail: string };

type HopOutcome = FetchOutcome | { redirect: string; status: number };

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

export async function fetchText(url: string, ctx: HttpContext): Promise<FetchOutcome> {
  const deadline = AbortSignal.any([ctx.signal, AbortSignal.timeout(ctx.timeoutMs)]);
  let current = new URL(url);
  for (let redirects = 0; ; redirects++) {
    const hop = await fetchOnce(current, ctx, deadline);
    if (!('redirect' in hop)) return hop;
    if (redirects >= MAX_REDIRECTS) return { ok: false, notFound: false, detail: `more than ${MAX_REDIRECTS} redirects` };
    let next: URL;
    try {
      next = new URL(hop.redirect, current);
    } catch {
      return { ok: false, notFound: false, detail: `HTTP ${hop.status} to an invalid location` };
    }
    if (next.protocol !== 'https:') {
      return { ok: false, notFound: false, detail: `refused a redirect to ${next.protocol}// (only https is followed)` };
    }
    current = next;
  }
}

function stopReason(ctx: HttpContext, deadline: AbortSignal): string | undefined {
  if (ctx.signal.aborted) return 'cancelled';
  if (deadline.aborted) return `no answer within ${ctx.timeoutMs / 1000} s`;
  return undefined;
}

async function fetchOnce(url: URL, ctx: HttpContext, deadline: AbortSignal): Promise<HopOutcome> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolveHost({ ...ctx.dns, signal: deadline }, host);
  } catch (err) {
    const stopped = stopReason(ctx, deadline);
    if (stopped) return { ok: false, notFound: false, detail: stopped };
    return { ok: false, notFound: isNoRecords(err), detail: `${host}: ${describeDnsError(err)}` };
  }
  const secure = url.protocol === 'https:';

  return new Promise<HopOutcome>((resolve) => {
    let settled = false;
    const settle = (outcome: HopOutcome) => {
      if (settled) return;
      settled = true;
      resolve(outcome);
      req.destroy();
    };
    const failed = (detail: string) => settle({ ok: false, notFound: false, detail });
    const options: https.RequestOptions = {
      method: 'GET',
      // A fresh connection per request, closed afterwards: nothing lingers in a pool.
      agent: false,
      lookup: fixedLookup(addresses),
      signal: deadline,
      headers: { accept: 'application/xml, text/xml;q=0.9, */*;q=0.1', 'user-agent': 'Mailwright' },
    };
    // Verification on, against the system roots plus the extra authorities (the app's one trust policy).
    if (secure) Object.assign(options, tlsOptionsFor(host, { extraCertificateAuthorities: ctx.extraCertificateAuthorities }));
    let req: http.ClientRequest;
    try {
      req = (secure ? https : http).request(url, options, onResponse);
    } catch (err) {
      resolve({ ok: false, notFound: false, detail: describeConnectionError(err, host) });
      return;
    }
    req.on('error', (err) => failed(stopReason(ctx, deadline) ?? describeConnectionError(err, host)));
    req.end();

    function onResponse(res: http.IncomingMessage) {
      const status = res.statusCode ?? 0;
      const location = res.headers.location;
      if (REDIRECT_STATUSES.has(status) && location) return settle({ redirect: location, status });
      if (status === 404 || status === 410) return settle({ ok: false, notFound: true, detail: `HTTP ${status}` });
      if (status !== 200) return failed(`HTTP ${status}`);
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > ctx.maxBytes) return failed(`document larger than ${ctx.maxBytes} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > ctx.maxBytes) return failed(`document larger than ${ctx.maxBytes} bytes`);
        chunks.push(chunk);
      });
      res.on('end', () => settle({ ok: true, body: Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, ''), url: url.href }));
      res.on('error', (err) => failed(stopReason(ctx, deadline) ?? describeConnectionError(err, host)));
      res.on('aborted', () => failed(stopReason(ctx, deadline) ?? 'connection closed before the end of the document'));
    }
  });
}
