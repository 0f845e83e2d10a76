/**
 * `mailwright sandbox --fault SPEC`: a compact spelling of one shared/sandbox.ts Fault, checked by
 * FaultSchema (the one shape the app's own fault panel uses).
 *
 *   STAGE:CODE[:PATTERN][@P]   reply CODE at greeting|auth|mail|rcpt|data-end (PATTERN: rcpt only)
 *   drop:POINT[@P]             drop the connection at before-greeting|mid-data|after-final-dot
 *   slow:MS[@P]                every reply waits MS milliseconds
 *   tls[@P]                    STARTTLS with a certificate no one trusts
 *
 * P is a probability from 0 to 1 (default 1).
 */
import { DROP_POINTS, FAULT_STAGES, FaultSchema, type Fault } from '../../shared/sandbox';

export const FAULT_SPEC_HELP = `  STAGE:CODE[:PATTERN]  reply CODE (400-599) at ${FAULT_STAGES.join('|')};
                        PATTERN (rcpt only) limits it to matching recipients, e.g. rcpt:550:*@example.com
  drop:POINT            close the connection at ${DROP_POINTS.join('|')}
  slow:MS               every reply waits MS milliseconds
  tls                   STARTTLS with a certificate no one trusts
  ...@P                 with probability P (0 to 1), e.g. greeting:421@0.5`;

export class FaultSpecError extends Error {
  constructor(spec: string, why: string) {
    super(`--fault ${JSON.stringify(spec)}: ${why}`);
    this.name = 'FaultSpecError';
  }
}

/** Default words of a reply fault, as a server would put them. */
function defaultText(code: number): string {
  return code >= 500 ? 'Refused by the Mailwright sandbox (fault on demand)' : 'Try again later (fault on demand in the Mailwright sandbox)';
}

export function parseFaultSpec(spec: string): Fault {
  const trimmed = spec.trim();
  const at = trimmed.lastIndexOf('@');
  // '@' also appears in a recipient pattern: only a trailing @<number> is a probability.
  let body = trimmed;
  let probability = 1;
  if (at >= 0 && /^@(?:\d+(?:\.\d*)?|\.\d+)$/.test(trimmed.slice(at))) {
    probability = Number(trimmed.slice(at + 1));
    body = trimmed.slice(0, at);
  }
  const parts = body.split(':');
  const head = parts[0]?.toLowerCase() ?? '';
  let candidate: unknown;
  if (head === 'tls') {
    if (parts.length !== 1) throw new FaultSpecError(spec, 'tls takes no value (tls or tls@0.5)');
    candidate = { kind: 'tls', probability };
  } else if (head === 'slow') {
    if (parts.length !== 2 || !/^\d+$/.test(parts[1] ?? '')) throw new FaultSpecError(spec, 'write slow:MS, e.g. slow:2000');
    candidate = { kind: 'slow', delayMs: Number(parts[1]), probability };
  } else if (head === 'drop') {
    if (parts.length !== 2 || !(DROP_POINTS as readonly string[]).includes(parts[1] ?? '')) throw new FaultSpecError(spec, `write drop:${DROP_POINTS.join('|drop:')}`);
    candidate = { kind: 'drop', at: parts[1], probability };
  } else if ((FAULT_STAGES as readonly string[]).includes(head)) {
    const code = parts[1] ?? '';
    if (!/^\d{3}$/.test(code)) throw new FaultSpecError(spec, `write ${head}:CODE with a 3-digit reply code from 400 to 599, e.g. ${head}:550`);
    const pattern = parts.slice(2).join(':');
    if (pattern && head !== 'rcpt') throw new FaultSpecError(spec, 'only rcpt faults take a recipient pattern');
    candidate = { kind: 'reply', stage: head, code: Number(code), text: defaultText(Number(code)), probability, ...(pattern ? { recipients: pattern } : {}) };
  } else {
    throw new FaultSpecError(spec, `unknown fault; one of ${[...FAULT_STAGES, 'drop', 'slow', 'tls'].join(', ')}`);
  }
  const parsed = FaultSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join('.') || 'value';
    throw new FaultSpecError(spec, `${where === 'probability' ? 'the probability must be from 0 to 1' : where === 'code' ? 'the reply code must be from 400 to 599' : where === 'delayMs' ? 'the delay must be from 1 to 120000 ms' : `${where} is not valid`}`);
  }
  return parsed.data;
}
