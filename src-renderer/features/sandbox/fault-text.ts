/** The sandbox's faults (shared/sandbox.ts Fault) in words, for the list of faults in play and the banner. */
import type { DropPoint, Fault, FaultStage } from '../../../shared/sandbox';

export const STAGE_TEXT: Record<FaultStage, string> = {
  greeting: 'the greeting',
  auth: 'AUTH (sign-in)',
  mail: 'MAIL FROM (the sender)',
  rcpt: 'RCPT TO (each recipient)',
  'data-end': 'the end of DATA (after the final dot)',
};

export const DROP_TEXT: Record<DropPoint, string> = {
  'before-greeting': 'before the greeting',
  'mid-data': 'in the middle of the message (DATA)',
  'after-final-dot': 'right after the final dot, before the reply',
};

const chance = (p: number) => (p >= 1 ? 'always' : `${Math.round(p * 1000) / 10}% of the time`);

export function faultText(fault: Fault): string {
  switch (fault.kind) {
    case 'reply':
      return `Answer ${STAGE_TEXT[fault.stage]} with “${fault.code}${fault.text ? ` ${fault.text}` : ''}”${fault.recipients ? ` for recipients matching ${fault.recipients}` : ''}, ${chance(fault.probability)}`;
    case 'drop':
      return `Drop the connection ${DROP_TEXT[fault.at]}, ${chance(fault.probability)}`;
    case 'slow':
      return `Wait ${fault.delayMs / 1000} s before every reply, ${chance(fault.probability)}`;
    case 'tls':
      return `Fail the TLS handshake (a certificate no one trusts), ${chance(fault.probability)}`;
  }
}
