import { describe, expect, it } from 'vitest';
import { changedParts, decodeParts, encodeParts, stackParts } from '../../lambda/reconciler/parts';
import { snapshotFor, threeMemberGroup } from '../support/group-fixture';

const stackOf = (o: ReturnType<typeof threeMemberGroup>) => snapshotFor(o).stack!;

describe('per-part digests', () => {
  it('round-trip through the tag value', () => {
    const p = stackParts(stackOf(threeMemberGroup()));
    expect(decodeParts(encodeParts(p))).toEqual(p);
    expect(decodeParts('sg=nothex/lb=0123456789')).toBeUndefined();
  });

  it('a path change moves only its listener; an endpoint change only its own group and the aggregate', () => {
    const base = stackParts(stackOf(threeMemberGroup()));
    const path = threeMemberGroup();
    path.ingresses[1]!.spec!.rules![0]!.http!.paths[1]!.path = '/changed';
    expect([...changedParts(stackParts(stackOf(path)), base)]).toEqual(['l80']);
    const endpoints = threeMemberGroup();
    endpoints.nodes.pop();
    // Instance mode: every group loses the node's target.
    expect([...changedParts(stackParts(stackOf(endpoints)), base)].sort()).toEqual([
      't0',
      't1',
      't2',
      'targets',
    ]);
  });

  it('a coarse tag (no per-group digests) marks every group only when the targets moved', () => {
    const full = stackParts(stackOf(threeMemberGroup()));
    const coarse = new Map([...full].filter(([k]) => !/^t\d/.test(k)));
    expect([...changedParts(full, coarse)]).toEqual([]);
    const moved = new Map(coarse).set('targets', '0000000000');
    expect([...changedParts(full, moved)].sort()).toEqual(['t0', 't1', 't2', 'targets']);
  });

  it('falls back to the aggregate when per-group digests do not fit in a tag value', () => {
    const many = new Map(stackParts(stackOf(threeMemberGroup())));
    for (let i = 3; i < 30; i++) many.set(`t${i}`, '0123456789');
    const v = encodeParts(many)!;
    expect(v.length).toBeLessThanOrEqual(256);
    expect(v).toContain('targets=');
    expect(v).not.toMatch(/(^|\/)t\d+=/);
  });
});
