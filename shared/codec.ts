/**
 * The SQS body of a StackSnapshot (SPEC §6.1), shared by the sender (webhook) and the reconciler (lambda)
 * so that both ends agree byte for byte.
 *
 * Wire format:
 * - up to {@link GZIP_THRESHOLD_BYTES} of JSON: the snapshot's JSON as is;
 * - above that: the envelope `{"contentEncoding":"gzip","payload":"<base64 of gzip(snapshot JSON)>"}`
 *   (no other keys; `payload` is standard base64 with padding);
 * - an encoded body above {@link MAX_BODY_BYTES} (the SQS limit) is refused with a typed error: the sender
 *   turns it into an error metric and an Event, never a silent drop.
 *
 * Both directions validate with the `StackSnapshot` schema, and decoding checks that `digest` is the
 * SHA-256 of the canonical JSON of `stack`: the reconciler writes the digest as a tag and trusts it on the
 * fast path, so a wrong one must never get that far. Neither function throws.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type * as z from 'zod';
import { type ReconcileError, StackSnapshot, stackDigest } from './messages';

/** JSON bodies larger than this (UTF-8 bytes) are sent gzip+base64 in the envelope. */
export const GZIP_THRESHOLD_BYTES = 200 * 1024;
/** SQS's maximum message size; the queue is created with exactly this `MaximumMessageSize`. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** A decompressed body larger than this is refused: nothing legitimate comes close (a gzip bomb does). */
export const MAX_DECODED_BYTES = 32 * 1024 * 1024;

export type ContentEncoding = 'identity' | 'gzip';

export interface GzipEnvelope {
  contentEncoding: 'gzip';
  payload: string;
}

export type EncodeError =
  | { kind: 'InvalidSnapshot'; message: string }
  | { kind: 'TooLarge'; message: string; bytes: number; limit: number; uncompressedBytes: number };

export type EncodeResult =
  | { ok: true; body: string; bytes: number; encoding: ContentEncoding; uncompressedBytes: number }
  | { ok: false; error: EncodeError };

/** What a body that is not a valid snapshot still says about itself, for logs and the failure result. */
export interface SnapshotIdentity {
  cluster?: string;
  stackId?: string;
  seq?: number;
  digest?: string;
}

export type DecodeResult =
  | { ok: true; snapshot: StackSnapshot; encoding: ContentEncoding; bytes: number }
  | {
      ok: false;
      /** One line: `field: value: expected …`. */
      reason: string;
      identity: SnapshotIdentity;
    };

const utf8Bytes = (s: string): number => Buffer.byteLength(s, 'utf8');

export function encodeSnapshotBody(snapshot: StackSnapshot): EncodeResult {
  const parsed = StackSnapshot.safeParse(snapshot);
  if (!parsed.success) {
    return { ok: false, error: { kind: 'InvalidSnapshot', message: describeIssue(parsed.error, snapshot) } };
  }
  // The sender's object, not zod's copy: the digest was computed over exactly these keys.
  const json = JSON.stringify(snapshot);
  const uncompressedBytes = utf8Bytes(json);
  if (uncompressedBytes <= GZIP_THRESHOLD_BYTES) {
    return { ok: true, body: json, bytes: uncompressedBytes, encoding: 'identity', uncompressedBytes };
  }
  const envelope: GzipEnvelope = {
    contentEncoding: 'gzip',
    payload: gzipSync(Buffer.from(json, 'utf8')).toString('base64'),
  };
  const body = JSON.stringify(envelope);
  const bytes = utf8Bytes(body);
  if (bytes > MAX_BODY_BYTES) {
    return {
      ok: false,
      error: {
        kind: 'TooLarge',
        message: `snapshot of stack ${snapshot.stackId}: ${bytes} bytes after gzip+base64 (${uncompressedBytes} bytes of JSON): expected at most ${MAX_BODY_BYTES} bytes (the SQS message size limit)`,
        bytes,
        limit: MAX_BODY_BYTES,
        uncompressedBytes,
      },
    };
  }
  return { ok: true, body, bytes, encoding: 'gzip', uncompressedBytes };
}

export function decodeSnapshotBody(body: string): DecodeResult {
  const bytes = utf8Bytes(body);
  const outer = parseJson(body);
  if (!outer.ok) return malformed(`body: ${preview(body)}: expected JSON (${outer.message})`, undefined);

  let value: unknown = outer.value;
  let encoding: ContentEncoding = 'identity';
  if (isRecord(value) && 'contentEncoding' in value) {
    const inner = unwrapEnvelope(value);
    if (!inner.ok) return malformed(inner.reason, undefined);
    value = inner.value;
    encoding = 'gzip';
  }

  const parsed = StackSnapshot.safeParse(value);
  if (!parsed.success) return malformed(describeIssue(parsed.error, value), value);
  // Over the received `stack`, not zod's output: the sender hashed what it sent.
  const raw = (value as { stack: unknown }).stack;
  const actual = stackDigest(raw as StackSnapshot['stack']);
  if (actual !== parsed.data.digest) {
    return malformed(
      `digest: ${parsed.data.digest}: expected the SHA-256 of the canonical JSON of stack (${actual})`,
      value,
    );
  }
  return { ok: true, snapshot: parsed.data, encoding, bytes };
}

type Parsed<T> = { ok: true; value: T } | { ok: false; message: string };

function parseJson(text: string): Parsed<unknown> {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    return { ok: false, message: (err as Error).message };
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

function unwrapEnvelope(
  envelope: Record<string, unknown>,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const { contentEncoding, payload } = envelope;
  if (contentEncoding !== 'gzip') {
    return { ok: false, reason: `contentEncoding: ${preview(contentEncoding)}: expected "gzip"` };
  }
  if (typeof payload !== 'string' || payload.length % 4 !== 0 || !BASE64.test(payload)) {
    return { ok: false, reason: `payload: ${preview(payload)}: expected base64 of a gzip stream` };
  }
  let text: string;
  try {
    text = gunzipSync(Buffer.from(payload, 'base64'), { maxOutputLength: MAX_DECODED_BYTES }).toString(
      'utf8',
    );
  } catch (err) {
    const code = (err as { code?: string }).code;
    const why =
      code === 'ERR_BUFFER_TOO_LARGE'
        ? `at most ${MAX_DECODED_BYTES} bytes once decompressed`
        : `a gzip stream (${(err as Error).message})`;
    return { ok: false, reason: `payload: ${preview(payload)}: expected ${why}` };
  }
  const inner = parseJson(text);
  if (!inner.ok)
    return { ok: false, reason: `payload: ${preview(text)}: expected gzipped JSON (${inner.message})` };
  return { ok: true, value: inner.value };
}

function malformed(reason: string, value: unknown): DecodeResult {
  return { ok: false, reason, identity: identityOf(value) };
}

function identityOf(value: unknown): SnapshotIdentity {
  if (!isRecord(value)) return {};
  const id: SnapshotIdentity = {};
  if (typeof value.cluster === 'string' && value.cluster !== '') id.cluster = value.cluster;
  if (typeof value.stackId === 'string' && value.stackId !== '') id.stackId = value.stackId;
  if (typeof value.seq === 'number' && Number.isSafeInteger(value.seq) && value.seq >= 0) id.seq = value.seq;
  if (typeof value.digest === 'string') id.digest = value.digest;
  return id;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `members[0].uid: 7: expected string, received number` from the first zod issue. */
function describeIssue(error: z.ZodError, value: unknown): string {
  const issue = error.issues[0];
  if (!issue) return '(root): invalid: expected a StackSnapshot';
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  const expected = issue.message.replace(/^Invalid input: /, '').replace(/^expected /, '');
  return `${path || '(root)'}: ${preview(valueAt(value, issue.path))}: expected ${expected}`;
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let cur: unknown = value;
  for (const key of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

/** A value as it appears in an error line: JSON, cut short. */
function preview(value: unknown, max = 80): string {
  const text = value === undefined ? '(missing)' : typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Message attributes the reconciler puts on a snapshot it moves to the DLQ after its last failed attempt
 * (lambda/dead-letter.ts), read back by `albatross redrive`. SQS's own redrive carries none of them.
 */
export const DEAD_LETTER_ATTRIBUTES = {
  /** `formatLastError` of the last attempt. */
  lastError: 'albatross-last-error',
  /** The FailureReason alone. */
  reason: 'albatross-last-error-reason',
  /** ISO time of the last attempt. */
  failedAt: 'albatross-failed-at',
  receiveCount: 'albatross-receive-count',
  /** ARN of the snapshot queue the message came from. */
  sourceQueue: 'albatross-source-queue',
} as const;

/** One line for a reconcile error, as the Ingress Event and the DLQ show it. */
export function formatLastError(e: ReconcileError): string {
  return `${e.reason}: ${e.message}${e.awsCode ? ` (AWS ${e.awsCode})` : ''}${e.resource ? ` [${e.resource}]` : ''}`;
}
