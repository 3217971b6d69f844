/** Which processes are running, by command line (Linux /proc): for "nothing left behind" checks. */
import { readdirSync, readFileSync } from 'node:fs';

export function processesMatching(pattern: RegExp): { pid: number; cmdline: string }[] {
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      if (pattern.test(cmdline)) out.push({ pid: Number(entry), cmdline });
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** Waits until no process matches (a killed parent's children get their death signal asynchronously). */
export async function noneLeft(
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<{ pid: number; cmdline: string }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const left = processesMatching(pattern);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 200));
  }
}
