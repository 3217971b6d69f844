/**
 * Parsers for the value types of SPEC §3. Each returns the parsed value or an `expected …` text; the
 * caller attaches the annotation key and raw value, so every problem names all three.
 */
export type ValueResult<T> = { ok: true; value: T } | { ok: false; expected: string };

export const ok = <T>(value: T): ValueResult<T> => ({ ok: true, value });
export const fail = (expected: string): ValueResult<never> => ({ ok: false, expected });

/** Comma-separated, items trimmed, empties dropped. */
export function parseList(raw: string): string[] {
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

export function parseEnum<const T extends string>(values: readonly T[]): (raw: string) => ValueResult<T> {
  return (raw) => {
    const v = raw.trim();
    return (values as readonly string[]).includes(v) ? ok(v as T) : fail(`one of ${values.join(', ')}`);
  };
}

export function parseIntIn(min: number, max: number): (raw: string) => ValueResult<number> {
  return (raw) => {
    const v = raw.trim();
    if (!/^-?\d+$/.test(v)) return fail(`an integer from ${min} to ${max}`);
    const n = Number(v);
    return n >= min && n <= max ? ok(n) : fail(`an integer from ${min} to ${max}`);
  };
}

/** `k=v,k2=v2`; keys unique and non-empty. */
export function parseMap(raw: string): ValueResult<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const item of parseList(raw)) {
    const eq = item.indexOf('=');
    if (eq <= 0) return fail(`key=value pairs separated by commas (bad entry "${item}")`);
    const key = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (key === '') return fail(`key=value pairs separated by commas (empty key in "${item}")`);
    if (Object.hasOwn(out, key)) return fail(`each key once (duplicate key "${key}")`);
    out[key] = value;
  }
  return ok(out);
}

export function parseStrictJson(raw: string): ValueResult<unknown> {
  try {
    return ok(JSON.parse(raw));
  } catch (err) {
    return fail(`valid JSON (${(err as Error).message})`);
  }
}

/** Canonical IPv4/IPv6 CIDR: the address has no bits set past the prefix length. */
export function canonicalCidr(raw: string): ValueResult<string> {
  const m = /^([^/]+)\/(\d{1,3})$/.exec(raw);
  if (!m) return fail('a CIDR like 10.0.0.0/16 or 2001:db8::/32');
  const [, addr = '', lenText = ''] = m;
  const len = Number(lenText);
  if (addr.includes(':')) {
    const words = expandIpv6(addr);
    if (!words || len > 128) return fail('a CIDR like 2001:db8::/32 (IPv6 prefix length 0–128)');
    const masked = words.map((w, i) => {
      const bits = Math.max(0, Math.min(16, len - i * 16));
      return bits === 0 ? 0 : w & (0xffff << (16 - bits)) & 0xffff;
    });
    if (masked.some((w, i) => w !== words[i])) {
      return fail(`a canonical CIDR (did you mean ${compressIpv6(masked)}/${len}?)`);
    }
    return ok(`${compressIpv6(words)}/${len}`);
  }
  const octets = addr.split('.');
  if (octets.length !== 4 || octets.some((o) => !/^\d{1,3}$/.test(o) || Number(o) > 255) || len > 32) {
    return fail('a CIDR like 10.0.0.0/16 (IPv4 prefix length 0–32)');
  }
  const n = octets.reduce((acc, o) => acc * 256 + Number(o), 0);
  const mask = len === 0 ? 0 : 2 ** 32 - 2 ** (32 - len);
  const net = Number((BigInt(n) & BigInt(mask)).toString());
  if (net !== n) {
    const dotted = [24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.');
    return fail(`a canonical CIDR (did you mean ${dotted}/${len}?)`);
  }
  return ok(`${octets.map(Number).join('.')}/${len}`);
}

function expandIpv6(addr: string): number[] | undefined {
  if (!/^[0-9a-fA-F:]+$/.test(addr)) return undefined;
  const halves = addr.split('::');
  if (halves.length > 2) return undefined;
  const parse = (s: string) => (s === '' ? [] : s.split(':'));
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (groups.length !== 8 || groups.some((g) => g.length === 0 || g.length > 4)) return undefined;
  return groups.map((g) => Number.parseInt(g, 16));
}

function compressIpv6(words: number[]): string {
  // Longest run of zero words (length ≥ 2) becomes `::` (RFC 5952).
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = words.map((w) => w.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** `200`, `200,202`, `200-299`; each code within [min, max]. */
export function parseSuccessCodes(min: number, max: number): (raw: string) => ValueResult<string> {
  return (raw) => {
    const expected = `codes from ${min} to ${max} as "200", "200,202" or "200-299"`;
    const items = parseList(raw);
    if (items.length === 0) return fail(expected);
    for (const item of items) {
      const m = /^(\d{1,3})(?:-(\d{1,3}))?$/.exec(item);
      if (!m) return fail(expected);
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (lo < min || hi > max || lo > hi) return fail(expected);
    }
    return ok(items.join(','));
  };
}

export function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
