import { describe, expect, it } from 'vitest';
import { StackHealth } from '../../webhook/stack-health';

const result = (seq: number, outcome: 'Succeeded' | 'Failed' | 'Skipped', stackId = 'shop') => ({
  stackId,
  seq,
  digest: `d${seq}`,
  outcome,
});

describe('StackHealth', () => {
  it('says recovered once, for the first good result after a failure (Skipped counts: AWS fixed by hand)', () => {
    const h = new StackHealth();
    expect(h.result(result(1, 'Succeeded'))).toBe('healthy');
    expect(h.result(result(2, 'Failed'))).toBe('failed');
    expect(h.isFailing('shop')).toBe(true);
    expect(h.failure('shop')).toEqual({ cause: 'reconcile', seq: 2, digest: 'd2' });
    expect(h.result(result(3, 'Skipped'))).toBe('recovered');
    expect(h.isFailing('shop')).toBe(false);
    expect(h.result(result(4, 'Succeeded'))).toBe('healthy');
  });

  it('ignores a result older than one already seen (the results queue does not keep order)', () => {
    const h = new StackHealth();
    expect(h.result(result(5, 'Succeeded'))).toBe('healthy');
    expect(h.result(result(4, 'Failed'))).toBe('stale');
    expect(h.isFailing('shop')).toBe(false);
  });

  it('keeps a model failure until a result of a snapshot sent after it', () => {
    const h = new StackHealth();
    h.modelFailed('shop', 10);
    expect(h.result(result(9, 'Succeeded'))).toBe('healthy');
    expect(h.isFailing('shop')).toBe(true);
    expect(h.result(result(11, 'Succeeded'))).toBe('recovered');
    expect(h.isFailing('shop')).toBe(false);
  });

  it('keeps stacks apart', () => {
    const h = new StackHealth();
    h.result(result(1, 'Failed', 'a'));
    expect(h.isFailing('a')).toBe(true);
    expect(h.isFailing('b')).toBe(false);
    expect(h.result(result(1, 'Succeeded', 'b'))).toBe('healthy');
  });
});
