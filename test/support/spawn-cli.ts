/**
 * `albatross …` as a child process that keeps running (webhook, dev): its output so far, a wait for a
 * line, signals, and its exit.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface RunningCli {
  proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout+stderr match, rejects when the process exits first or after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Exit code (or 128 + signal number), and how long after the call it came. */
  exited(timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

const ROOT = new URL('../../', import.meta.url).pathname;
const running = new Set<ChildProcess>();

/** For afterAll: a test that failed half-way must not leave its `albatross dev` running. */
export async function stopAllSpawned(): Promise<void> {
  await Promise.all(
    [...running].map(async (proc) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      const gone = new Promise((r) => proc.once('exit', r));
      proc.kill('SIGINT');
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await gone;
      clearTimeout(timer);
    }),
  );
  running.clear();
}

export function spawnCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const proc = spawn(process.execPath, ['bin/albatross.js', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(proc);
  proc.once('exit', () => running.delete(proc));
  let out = '';
  let err = '';
  proc.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  proc.stderr?.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    async waitFor(pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let done = false;
      void exit.then(() => {
        done = true;
      });
      for (;;) {
        const m = `${out}${err}`.match(pattern);
        if (m) return m;
        if (done) throw new Error(`exited before ${pattern}:\n${out}${err}`);
        if (Date.now() > deadline) throw new Error(`no ${pattern} within ${timeoutMs} ms:\n${out}${err}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async exited(timeoutMs = 30_000) {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          proc.kill('SIGKILL');
          reject(new Error(`still running after ${timeoutMs} ms:\n${out}${err}`));
        }, timeoutMs);
      });
      try {
        const r = await Promise.race([exit, timeout]);
        return { ...r, ms: Date.now() - started };
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A one-shot process run to its end: exit code and everything it printed. */
export function runToEnd(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c;
    });
    child.stderr.on('data', (c: Buffer) => {
      stderr += c;
    });
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `albatross …` run to its end. */
export const runCli = (args: string[], env: NodeJS.ProcessEnv = {}): Promise<Finished> =>
  runToEnd(process.execPath, ['bin/albatross.js', ...args], env);
