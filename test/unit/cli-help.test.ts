/**
 * The command line itself, spawned as a user runs it: every command's `--help` (flags one per line, exit
 * 0, nothing started), unknown and missing flags as one line with exit 2, and `--json` errors as data.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../cli/registry';

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['bin/albatross.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, AWS_ENDPOINT_URL: '' },
    timeout: 30_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr, pid: r.pid };
};

/** Temp folders of ours carry the pid of the process that made them (cli/dev/temp.ts). */
const tempDirsOf = (pid: number) => readdirSync(tmpdir()).filter((n) => n.includes(`-${pid}-`));

describe('albatross --help', { timeout: 60_000 }, () => {
  it('lists every command with its summary, exit 0', () => {
    const r = cli('--help');
    expect(r.code).toBe(0);
    for (const [name, entry] of Object.entries(COMMANDS)) {
      expect(r.out).toContain(`  ${name.padEnd(9)}  ${entry.summary}`);
    }
  });

  it('without a command prints the same list on stderr and exits 2', () => {
    const r = cli();
    expect(r.code).toBe(2);
    expect(r.err).toContain('commands:');
  });

  it('names an unknown command and lists the real ones', () => {
    const r = cli('deploy');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(
      `albatross: unknown command "deploy"; the commands are ${Object.keys(COMMANDS).join(', ')}`,
    );
  });
});

describe.each(Object.keys(COMMANDS))('albatross %s --help', { timeout: 60_000 }, (name) => {
  it('prints usage and one line per flag, exits 0, starts nothing', () => {
    const r = cli(name, '--help');
    expect(r.code).toBe(0);
    expect(r.err).toBe('');
    const lines = r.out.split('\n');
    expect(lines[0]).toBe(`albatross ${name}: ${COMMANDS[name]!.summary}`);
    expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^usage: albatross ${name}( |$)`)));
    const flags = lines.slice(lines.indexOf('flags:') + 1).filter(Boolean);
    expect(flags.length).toBeGreaterThan(1);
    // `  --flag VALUE   description`: every flag has a description on its own line.
    for (const f of flags) expect(f).toMatch(/^ {2}(-\w, | {4})--[a-z-]+( [A-Z:|]+)? {2,}\S.+$/);
    expect(flags.at(-1)).toMatch(/--help +print this help/);
    expect(tempDirsOf(r.pid)).toEqual([]);
  });

  it('-h is --help, and wins over missing required flags', () => {
    const r = cli(name, '-h');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`usage: albatross ${name}`);
  });

  it('an unknown flag is one line naming it and the flags, exit 2', () => {
    const r = cli(name, '--bogus-flag');
    expect(r.code).toBe(2);
    const lines = r.err.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(`^albatross ${name}: unknown flag --bogus-flag; the flags of ${name} are --`),
    );
    expect(lines[0]).toContain('--help');
  });
});

// Spawned processes on a shared machine: the limits are for hangs, not speed.
describe('flag errors', { timeout: 90_000 }, () => {
  it('names a missing required flag with its placeholder', () => {
    const r = cli('reconcile', '--manifests', 'examples/shop');
    expect(r.code).toBe(2);
    expect(r.err.trim()).toBe(
      'albatross reconcile: missing required flag --cluster-name NAME; see albatross reconcile --help',
    );
  });

  it('a string flag without a value, or a switch with one, is named', () => {
    expect(cli('plan', '--cluster-name', 'x', '--manifests').err).toContain('--manifests needs a value');
    expect(cli('plan', '--manifests', '--cluster-name', 'x').err).toContain('--manifests needs a value');
    expect(cli('plan', '--manifests', 'examples', '--cluster-name', 'x', '--aws=yes').err).toContain(
      '--aws takes no value',
    );
  });

  it('a stray argument is refused by a command that takes none', () => {
    const r = cli('status', 'shop', '--cluster-name', 'x');
    expect(r.code).toBe(2);
    expect(r.err).toContain('unexpected argument "shop": status takes only flags');
  });
});

describe('--json errors', { timeout: 90_000 }, () => {
  it('are one JSON document on stdout, with the same exit code, nothing on stderr', () => {
    const r = cli('plan', '--json', '--manifests', 'examples/shop');
    expect(r.code).toBe(2);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual({
      error: {
        command: 'plan',
        kind: 'usage',
        message: 'missing required flag --cluster-name NAME',
        flag: 'cluster-name',
        exitCode: 2,
      },
    });
  });

  it('carry the problems of manifests that do not parse as details', () => {
    const r = cli('plan', '--json', '--manifests', 'test/fixtures/cli-broken', '--cluster-name', 'x');
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.out);
    expect(error).toMatchObject({ command: 'plan', kind: 'input', exitCode: 1 });
    expect(error.details[0]).toMatch(/test\/fixtures\/cli-broken\/broken\.yaml: document 1: /);
  });

  it('name an unknown flag too', () => {
    const r = cli('validate', 'examples', '--json', '--nope');
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).error).toMatchObject({ kind: 'usage', flag: 'nope' });
  });
});
