import { describe, expect, it } from 'vitest';
import { LintFindingSchema, SANDBOX_ACCOUNT_ID, type Fault, type LintFinding, type SandboxSummary } from '../../shared/sandbox';
import { faultText } from '../../src-renderer/features/sandbox/fault-text';
import { lintText } from '../../src-renderer/features/sandbox/lint-text';
import { rehearsedFor } from '../../src-renderer/features/sandbox/sandbox-text';
import { envelopeOnly } from '../../src-renderer/features/sandbox/envelope';

/** One finding of every kind the contract names (the list below must grow with it: checked against the schema). */
const FINDINGS: LintFinding[] = [
  { kind: 'no-date' },
  { kind: 'no-message-id' },
  { kind: 'text-differs-from-html', textWords: 3, htmlWords: 40, sample: 'Hello' },
  { kind: 'remote-images', count: 2, hosts: ['tracker.example'] },
  { kind: 'from-differs-from-envelope', fromDomain: 'a.example', envelopeDomain: 'b.example' },
  { kind: 'no-list-unsubscribe' },
  { kind: 'long-lines', count: 1, longest: 1200 },
  { kind: 'over-size', size: 30 * 1024 * 1024, limit: 10 * 1024 * 1024, account: 'Work' },
];

describe('sandbox words', () => {
  it('every lint finding kind has its words: what is wrong and what to do, with its facts', () => {
    const kinds = LintFindingSchema.options.map((o) => o.shape.kind.value);
    expect(FINDINGS.map((f) => f.kind).sort()).toEqual([...kinds].sort());
    for (const finding of FINDINGS) {
      const text = lintText(finding);
      expect(text.title.length, finding.kind).toBeGreaterThan(10);
      expect(text.advice.length, finding.kind).toBeGreaterThan(10);
    }
    expect(lintText(FINDINGS[3]!).title).toBe('2 images are loaded from the web when the message is opened (tracker.example).');
    expect(lintText(FINDINGS[4]!).title).toContain('a.example');
    expect(lintText(FINDINGS[4]!).title).toContain('b.example');
    expect(lintText(FINDINGS[7]!).title).toBe('The message is 30.0 MB, more than Work’s server takes (10.0 MB).');
  });

  it('faults in words, with their stage, pattern and chance', () => {
    const rcpt: Fault = { kind: 'reply', stage: 'rcpt', code: 550, text: '5.1.1 No such user', probability: 0.25, recipients: '*@refused.example' };
    expect(faultText(rcpt)).toBe('Answer RCPT TO (each recipient) with “550 5.1.1 No such user” for recipients matching *@refused.example, 25% of the time');
    expect(faultText({ kind: 'drop', at: 'after-final-dot', probability: 1 })).toBe('Drop the connection right after the final dot, before the reply, always');
    expect(faultText({ kind: 'slow', delayMs: 1500, probability: 1 })).toBe('Wait 1.5 s before every reply, always');
  });

  it('who a captured message was for, and which envelope recipients no header names', () => {
    const summary: SandboxSummary = {
      id: '00000000-0000-4000-8000-000000000000',
      receivedAt: new Date().toISOString(),
      envelope: { mailFrom: 'me@sandbox.invalid', rcptTo: ['Bob@example.org', 'carol@example.org'] },
      size: 10,
      from: null,
      subject: 's',
      accountId: SANDBOX_ACCOUNT_ID,
      warnings: 0,
    };
    expect(rehearsedFor(summary, [])).toBe('Sandbox');
    expect(rehearsedFor({ ...summary, batchId: 'b', batchRow: 7 }, [])).toBe('Merge, line 7 in the file');
    expect(rehearsedFor({ ...summary, accountId: null }, [])).toBe('From outside Mailwright');
    expect(envelopeOnly({ summary, rendered: { to: [{ name: '', address: 'bob@example.org' }], cc: [] } })).toEqual(['carol@example.org']);
  });
});
