/**
 * Temp folders that hold private keys and cluster data: removed when the process exits (normally, by
 * `process.exit`, or after a stop signal the CLI handles). A folder's name carries the pid that made it,
 * so the folders of a process that was SIGKILLed are swept by the next run.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const live = new Set<string>();
let hooked = false;

const NAME = /^albatross-[a-z]+-(\d+)-/;
/** Certificate folders of earlier versions, which carried no pid (`albatross-cert-XXXXXX`). */
const LEGACY = /^albatross-cert-[A-Za-z0-9]{6}$/;
const LEGACY_AGE_MS = 60 * 60 * 1000;

/** `$TMPDIR/albatross-<purpose>-<pid>-XXXXXX`, removed at exit unless `remove()`d earlier. */
export function makeTempDir(purpose: string): { path: string; remove(): void } {
  if (!hooked) {
    hooked = true;
    process.once('exit', removeAllTempDirs);
  }
  const path = mkdtempSync(join(tmpdir(), `albatross-${purpose}-${process.pid}-`));
  live.add(path);
  return {
    path,
    remove() {
      live.delete(path);
      rmSync(path, { recursive: true, force: true });
    },
  };
}

export function removeAllTempDirs(): void {
  for (const p of live) rmSync(p, { recursive: true, force: true });
  live.clear();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the folders left by processes that no longer run (and certificate folders of earlier versions
 * older than an hour); returns how many.
 */
export function sweepStaleTempDirs(dir = tmpdir()): number {
  let swept = 0;
  for (const name of readdirSync(dir)) {
    if (LEGACY.test(name)) {
      const age = Date.now() - (statSync(join(dir, name), { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LEGACY_AGE_MS) {
        rmSync(join(dir, name), { recursive: true, force: true });
        swept++;
      }
      continue;
    }
    const pid = Number(NAME.exec(name)?.[1]);
    if (!pid || pid === process.pid || alive(pid)) continue;
    rmSync(join(dir, name), { recursive: true, force: true });
    swept++;
  }
  return swept;
}
