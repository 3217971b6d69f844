/**
 * How the long-running commands (`webhook`, `dev`) stop: the first SIGINT, SIGTERM or SIGHUP asks for a
 * drain; a second one exits at once. Cleanups run in reverse order of registration, each bounded in time,
 * so a stuck one cannot keep a Pod from terminating.
 */

export type StopSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';
const SIGNALS: StopSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

export interface StopRequest {
  /** Resolves with the first stop signal. */
  signalled: Promise<StopSignal>;
  dispose(): void;
}

export function onStopSignal(log: (line: string) => void): StopRequest {
  let resolve!: (s: StopSignal) => void;
  const signalled = new Promise<StopSignal>((r) => {
    resolve = r;
  });
  let count = 0;
  const handler = (signal: StopSignal) => {
    count++;
    if (count === 1) {
      log(`${signal}: stopping (again to exit at once)`);
      resolve(signal);
    } else {
      process.exit(1);
    }
  };
  for (const s of SIGNALS) process.on(s, handler);
  return {
    signalled,
    dispose: () => {
      for (const s of SIGNALS) process.off(s, handler);
    },
  };
}

export class Cleanups {
  private readonly steps: { what: string; run: () => Promise<void> | void }[] = [];

  add(what: string, run: () => Promise<void> | void): void {
    this.steps.push({ what, run });
  }

  /** Runs every step once, newest first; a failing or slow step is reported and skipped. */
  async run(log: (line: string) => void, perStepMs = 10_000): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(step.run),
          new Promise<void>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`took longer than ${perStepMs} ms`)), perStepMs);
          }),
        ]);
      } catch (err) {
        log(`stopping ${step.what}: ${(err as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
