/** Temp folders with keys: removed at exit, and swept when their process died without running any code. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, sweepStaleTempDirs } from '../../cli/dev/temp';

const root = mkdtempSync(join(tmpdir(), 'albatross-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('temp folders', () => {
  it('are named with the pid and gone when the process exits', () => {
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx/esm',
        '-e',
        "const { makeTempDir } = await import('./cli/dev/temp.ts'); console.log(makeTempDir('cert').path)",
      ],
      { encoding: 'utf8' },
    );
    const path = r.stdout.trim();
    expect(path).toMatch(new RegExp(`albatross-cert-${r.pid}-\\w{6}$`));
    expect(existsSync(path)).toBe(false);
  });

  it('of a dead process (and legacy certificate folders older than an hour) are swept; live ones stay', () => {
    const dead = join(root, 'albatross-cert-999999-abcdef');
    const mine = makeTempDir('cert');
    const ownCopy = join(root, `albatross-cert-${process.pid}-zzzzzz`);
    const oldLegacy = join(root, 'albatross-cert-AbC123');
    const newLegacy = join(root, 'albatross-cert-XyZ789');
    const other = join(root, 'albatross-test-123456');
    for (const d of [dead, ownCopy, oldLegacy, newLegacy, other]) mkdirSync(d);
    const twoHoursAgo = (Date.now() - 2 * 3600_000) / 1000;
    utimesSync(oldLegacy, twoHoursAgo, twoHoursAgo);
    expect(sweepStaleTempDirs(root)).toBe(2);
    expect([dead, oldLegacy].map(existsSync)).toEqual([false, false]);
    expect([ownCopy, newLegacy, other, mine.path].map(existsSync)).toEqual([true, true, true, true]);
    mine.remove();
    expect(existsSync(mine.path)).toBe(false);
  });
});
