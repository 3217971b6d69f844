/** `albatross reconcile`'s human report: one verdict per stack, shared errors once with a count, a summary. */
import { describe, expect, it, vi } from 'vitest';
import { formatReports, progressLine, type StackReport, summaryLine } from '../../cli/commands/reconcile';

const created = (stackId: string): StackReport => ({
  stackId,
  outcome: 'Succeeded',
  changes: [{ action: 'create', kind: 'LoadBalancer', resource: `k8s-${stackId}` }],
  read: 3,
  write: 5,
  dnsName: `${stackId}.elb.amazonaws.com`,
});
const unchanged = (stackId: string): StackReport => ({
  stackId,
  outcome: 'Skipped',
  changes: [],
  read: 1,
  write: 0,
});
const denied = (stackId: string): StackReport => ({
  stackId,
  outcome: 'Failed',
  changes: [],
  read: 1,
  write: 0,
  error: {
    reason: 'AccessDenied',
    message: 'not authorized to perform elasticloadbalancing:CreateLoadBalancer',
  },
});

describe('reconcile report', () => {
  it('ends with "N stacks: created, unchanged, failed in S s"', () => {
    const reports = [created('a'), unchanged('b'), unchanged('c')];
    expect(summaryLine(reports, 4.23)).toBe('3 stacks: 1 created, 2 unchanged, 0 failed in 4.2 s');
    const updated: StackReport = {
      ...unchanged('d'),
      outcome: 'Succeeded',
      changes: [{ action: 'update', kind: 'Rule', resource: 'HTTP:80 priority 1' }],
    };
    expect(summaryLine([updated], 0.04)).toBe(
      '1 stack: 0 created, 1 updated, 0 unchanged, 0 failed in 0.0 s',
    );
  });

  it('prints an error shared by many stacks once, with a count and a few names', () => {
    const reports = [created('ok'), ...Array.from({ length: 200 }, (_, i) => denied(`ns/app-${i}`))];
    const out = formatReports(reports, { cluster: 'c', files: 1, seconds: 43 });
    const lines = out.trim().split('\n');
    expect(lines.filter((l) => l.includes('AccessDenied'))).toEqual([
      '200 stacks failed with AccessDenied: not authorized to perform elasticloadbalancing:CreateLoadBalancer (ns/app-0, ns/app-1, ns/app-2 and 197 more)',
    ]);
    expect(lines.at(-1)).toBe('201 stacks: 1 created, 0 unchanged, 200 failed in 43.0 s');
    expect(lines.length).toBeLessThan(12);
  });

  it('keeps a failure of one stack on its own line, and an unchanged stack on one line', () => {
    const out = formatReports([denied('solo'), unchanged('b')], { cluster: 'c', files: 1, seconds: 1 });
    expect(out).toContain('solo: Failed: AccessDenied: not authorized');
    expect(out).toMatch(/^b: unchanged$/m);
    expect(out).not.toContain('apiCalls: {read: 1, write: 0}');
  });
});

describe('reconcile progress', () => {
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, s: { isTTY, write: (x: string) => written.push(x) } as unknown as NodeJS.WriteStream };
  };

  it('shows [done/total] on a terminal once the run passes a second, and clears it at the end', () => {
    vi.useFakeTimers();
    try {
      const t = stream(true);
      const p = progressLine(200, t.s);
      p.tick(0, 'ns/a');
      expect(t.written).toEqual([]);
      vi.advanceTimersByTime(1500);
      p.tick(12, 'ns/m');
      p.end();
      expect(t.written).toEqual(['\r\x1b[K[12/200] ns/m', '\r\x1b[K']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes nothing when stderr is not a terminal', () => {
    vi.useFakeTimers();
    try {
      const t = stream(false);
      const p = progressLine(200, t.s);
      vi.advanceTimersByTime(5000);
      p.tick(100, 'ns/x');
      p.end();
      expect(t.written).toEqual([]);
    } finally {
      vi.useRealTimers();
    }
  });
});
