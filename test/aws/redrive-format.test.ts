import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { formatEntry, progressBar, regionOf, summarize } from '../../cli/commands/redrive';
import { encodeSnapshotBody } from '../../shared/codec';
import { API_VERSION, stackDigest } from '../../shared/messages';

const snap = {
  apiVersion: API_VERSION,
  kind: 'StackSnapshot',
  cluster: 'demo',
  stackId: 'shop',
  seq: 3,
  digest: stackDigest(null),
  verify: true,
  members: [{ namespace: 'shop', name: 'storefront', uid: 'u', resourceVersion: '1' }],
  inactiveMembers: [],
  stack: null,
};

describe('redrive presentation', () => {
  it('draws a hand-written progress bar that redraws in place', () => {
    expect(progressBar(5, 10, 10)).toBe('\r[#####.....] 5/10');
    expect(progressBar(0, 3, 6)).toBe('\r[......] 0/3');
    expect(progressBar(4, 4, 4)).toBe('\r[####] 4/4');
    expect(progressBar(7, undefined)).toBe('\r7');
  });

  it("decodes with the reconciler's codec: plain and gzip-enveloped snapshots alike", () => {
    const gz = gzipSync(Buffer.from(JSON.stringify(snap))).toString('base64');
    for (const body of [JSON.stringify(snap), JSON.stringify({ contentEncoding: 'gzip', payload: gz })]) {
      expect(summarize(body)).toMatchObject({
        kind: 'snapshot',
        stackId: 'shop',
        deletion: true,
        verify: true,
      });
    }
    const sent = encodeSnapshotBody(snap as Parameters<typeof encodeSnapshotBody>[0]);
    expect(sent.ok && summarize(sent.body)).toMatchObject({ kind: 'snapshot', seq: 3 });
  });

  it('names the field that makes a body not a snapshot, as the reconciler would', () => {
    expect(summarize(JSON.stringify({ ...snap, seq: -1 }))).toEqual({
      kind: 'undecodable',
      problem: expect.stringMatching(/^seq: -1: expected/),
    });
    // The envelope has exactly one payload key; what the codec does not send, redrive does not accept.
    const gz = gzipSync(Buffer.from(JSON.stringify(snap))).toString('base64');
    expect(summarize(JSON.stringify({ contentEncoding: 'gzip', body: gz }))).toEqual({
      kind: 'undecodable',
      problem: 'payload: (missing): expected base64 of a gzip stream',
    });
    // A wrong digest would be trusted by the reconciler's fast path: the codec refuses it.
    expect(summarize(JSON.stringify({ ...snap, digest: 'f'.repeat(64) }))).toMatchObject({
      kind: 'undecodable',
      problem: expect.stringMatching(/^digest: f+: expected the SHA-256/),
    });
  });

  it('prints the stack, the group, the receive count and the outcome of each message', () => {
    const text = formatEntry({
      messageId: 'm-1',
      groupId: 'demo:shop',
      receiveCount: 5,
      lastError: 'AccessDenied: elasticloadbalancing:CreateRule',
      snapshot: summarize(JSON.stringify(snap)),
      action: 'moved',
    });
    expect(text).toBe(
      [
        'm-1: stack shop (cluster demo, seq 3, deletion, verify; members shop/storefront)',
        '  group demo:shop, received 5×',
        '  last error: AccessDenied: elasticloadbalancing:CreateRule',
        '  → moved to the queue',
      ].join('\n'),
    );
    const unrecorded = formatEntry({
      messageId: 'm-2',
      snapshot: summarize(JSON.stringify(snap)),
      action: 'listed',
    });
    expect(unrecorded).toContain(
      '  last error: none recorded (SQS moved it: the last attempt did not finish; see the reconciler logs)',
    );
  });
});

describe('regionOf', () => {
  it('reads the region from an SQS queue URL, and nothing from an emulator URL', () => {
    expect(
      regionOf('https://sqs.eu-west-1.amazonaws.com/123456789012/albatross-prod-snapshots-dlq.fifo'),
    ).toBe('eu-west-1');
    expect(regionOf('http://127.0.0.1:5000/123456789012/q.fifo')).toBeUndefined();
  });
});
