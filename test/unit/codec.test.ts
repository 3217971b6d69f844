import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decodeSnapshotBody,
  encodeSnapshotBody,
  GZIP_THRESHOLD_BYTES,
  MAX_BODY_BYTES,
  MAX_DECODED_BYTES,
} from '../../shared/codec';
import type { StackSnapshot } from '../../shared/messages';
import { snapshotOf, stackSnapshot } from '../support/snapshot-fixtures';

const cluster = 'codec-test';

function withTargets(count: number, seq = 1): StackSnapshot {
  const instanceIds = Array.from({ length: count }, (_, i) => `i-${i.toString(16).padStart(17, '0')}`);
  return stackSnapshot({ cluster, namespace: 'shop', name: 'web', seq, instanceIds });
}

/** A snapshot whose JSON barely compresses: a random fixed-response body of `chars` base64 characters. */
function incompressible(chars: number): StackSnapshot {
  const s = stackSnapshot({ cluster, namespace: 'shop', name: 'web', seq: 1 });
  const stack = structuredClone(s.stack)!;
  stack.listeners[0]!.defaultAction = {
    type: 'fixed-response',
    statusCode: '404',
    messageBody: randomBytes(Math.ceil((chars * 3) / 4))
      .toString('base64')
      .slice(0, chars),
  };
  return snapshotOf({ cluster, stackId: s.stackId, seq: 1, stack });
}

const gzipEnvelope = (text: string) =>
  JSON.stringify({ contentEncoding: 'gzip', payload: gzipSync(Buffer.from(text)).toString('base64') });

describe('encodeSnapshotBody', () => {
  it('sends a small snapshot as plain JSON', () => {
    const s = stackSnapshot({ cluster, namespace: 'shop', name: 'web', seq: 3 });
    const r = encodeSnapshotBody(s);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.encoding).toBe('identity');
    expect(JSON.parse(r.body)).toEqual(s);
    expect(r.bytes).toBe(Buffer.byteLength(r.body));
  });

  it('gzips and base64-encodes a snapshot over 200 KiB into the envelope', () => {
    const s = withTargets(8000);
    const r = encodeSnapshotBody(s);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.uncompressedBytes).toBeGreaterThan(GZIP_THRESHOLD_BYTES);
    expect(r.encoding).toBe('gzip');
    const envelope = JSON.parse(r.body) as Record<string, unknown>;
    expect(Object.keys(envelope).sort()).toEqual(['contentEncoding', 'payload']);
    expect(envelope.contentEncoding).toBe('gzip');
    expect(r.bytes).toBeLessThan(r.uncompressedBytes / 4);
  });

  it('keeps a body of exactly the threshold as plain JSON and gzips one byte more', () => {
    const base = stackSnapshot({ cluster, namespace: 'shop', name: 'web', seq: 1 });
    const size = (s: StackSnapshot) => Buffer.byteLength(JSON.stringify(s));
    const padded = (extra: number) => {
      const stack = structuredClone(base.stack)!;
      stack.listeners[0]!.defaultAction = { type: 'fixed-response', statusCode: '404', messageBody: '' };
      const empty = size(snapshotOf({ cluster, stackId: base.stackId, seq: 1, stack }));
      stack.listeners[0]!.defaultAction.messageBody = 'x'.repeat(GZIP_THRESHOLD_BYTES - empty + extra);
      return snapshotOf({ cluster, stackId: base.stackId, seq: 1, stack });
    };
    const at = encodeSnapshotBody(padded(0));
    const over = encodeSnapshotBody(padded(1));
    expect(at.ok && at.encoding === 'identity' && at.bytes === GZIP_THRESHOLD_BYTES).toBe(true);
    expect(over.ok && over.encoding === 'gzip').toBe(true);
  });

  it('refuses a body over 1 MiB after compression with a typed error naming the sizes', () => {
    const r = encodeSnapshotBody(incompressible(1_200_000));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.kind).toBe('TooLarge');
    if (r.error.kind !== 'TooLarge') return;
    expect(r.error.limit).toBe(MAX_BODY_BYTES);
    expect(r.error.bytes).toBeGreaterThan(MAX_BODY_BYTES);
    expect(r.error.message).toMatch(
      /^snapshot of stack shop\/web: \d+ bytes after gzip\+base64 \(\d+ bytes of JSON\): expected at most 1048576 bytes/,
    );
  });

  it('refuses a snapshot that does not match the schema, naming the field', () => {
    const s = { ...stackSnapshot({ cluster, namespace: 'shop', name: 'web', seq: 1 }), seq: -1 };
    const r = encodeSnapshotBody(s);
    expect(r).toEqual({
      ok: false,
      error: { kind: 'InvalidSnapshot', message: expect.stringMatching(/^seq: -1: expected /) },
    });
  });
});

describe('decodeSnapshotBody', () => {
  it('round-trips plain and gzip bodies to the same snapshot', () => {
    for (const s of [withTargets(2), withTargets(8000)]) {
      const enc = encodeSnapshotBody(s);
      if (!enc.ok) throw new Error(enc.error.message);
      const dec = decodeSnapshotBody(enc.body);
      expect(dec).toEqual({ ok: true, snapshot: s, encoding: enc.encoding, bytes: enc.bytes });
    }
  });

  it('round-trips any stack version, deletions included (property)', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 2 ** 40 }),
        fc.boolean(),
        fc.boolean(),
        fc.string(),
        fc.integer({ min: 0, max: 3000 }),
        (seq, verify, deleted, version, targets) => {
          const instanceIds = Array.from({ length: targets }, (_, i) => `i-${i}`);
          const s = stackSnapshot({
            cluster,
            namespace: 'a',
            name: 'b',
            seq,
            verify,
            deleted,
            version,
            instanceIds,
          });
          const enc = encodeSnapshotBody(s);
          if (!enc.ok) return false;
          const dec = decodeSnapshotBody(enc.body);
          return dec.ok && JSON.stringify(dec.snapshot) === JSON.stringify(s);
        },
      ),
      { numRuns: 60 },
    );
  });

  const valid = stackSnapshot({ cluster, namespace: 'shop', name: 'web', seq: 7 });

  it.each([
    ['not JSON', 'hello', /^body: hello: expected JSON \(/],
    [
      'an unknown encoding',
      '{"contentEncoding":"br","payload":""}',
      /^contentEncoding: br: expected "gzip"$/,
    ],
    [
      'a payload that is not base64',
      '{"contentEncoding":"gzip","payload":"%%%"}',
      /^payload: %%%: expected base64/,
    ],
    [
      'a payload that is not gzip',
      JSON.stringify({ contentEncoding: 'gzip', payload: Buffer.from('plain').toString('base64') }),
      /^payload: cGxhaW4=: expected a gzip stream \(/,
    ],
    ['gzipped text that is not JSON', gzipEnvelope('nope'), /^payload: nope: expected gzipped JSON/],
    ['a JSON array', '[]', /^\(root\): \[\]: expected object, received array$/],
    [
      'a wrong kind',
      JSON.stringify({ ...valid, kind: 'ReconcileResult' }),
      /^kind: ReconcileResult: expected /,
    ],
    [
      'a member without uid',
      JSON.stringify({ ...valid, members: [{ namespace: 'shop', name: 'web', resourceVersion: '1' }] }),
      /^members\[0\]\.uid: \(missing\): expected string, received undefined$/,
    ],
  ])('refuses %s with a one-line reason', (_what, body, reason) => {
    const r = decodeSnapshotBody(body);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(reason);
    expect(r.reason).not.toContain('\n');
  });

  it('keeps what a malformed snapshot says about its stack for the failure result', () => {
    const r = decodeSnapshotBody(gzipEnvelope(JSON.stringify({ ...valid, verify: 'yes' })));
    expect(r).toEqual({
      ok: false,
      reason: 'verify: yes: expected boolean, received string',
      identity: { cluster, stackId: 'shop/web', seq: 7, digest: valid.digest },
    });
  });

  it('refuses a digest that is not the hash of the stack it came with', () => {
    const other = stackSnapshot({ cluster, namespace: 'shop', name: 'web', seq: 7, version: 'v2' });
    const r = decodeSnapshotBody(JSON.stringify({ ...valid, digest: other.digest }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toBe(
      `digest: ${other.digest}: expected the SHA-256 of the canonical JSON of stack (${valid.digest})`,
    );
  });

  it('refuses a gzip bomb without inflating it', () => {
    const bomb = gzipSync(Buffer.alloc(MAX_DECODED_BYTES + 1, 0x20)).toString('base64');
    const r = decodeSnapshotBody(JSON.stringify({ contentEncoding: 'gzip', payload: bomb }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.reason).toMatch(/expected at most 33554432 bytes once decompressed$/);
  });
});
