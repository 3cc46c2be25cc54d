import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';

/** A process of ours (API or builder), its output in a file, stopped by PID. */
export class ManagedProcess {
  private readonly exited: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? -1 : null);
        resolve(this.exitCode);
      });
    });
  }

  static start(
    name: string,
    args: string[],
    env: Record<string, string>,
    logFile: string,
    cwd: string,
  ): ManagedProcess {
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    return new ManagedProcess(name, child, logFile);
  }

  get pid(): number {
    if (this.child.pid === undefined)
      throw new Error(`${this.name} has no pid`);
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  output(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** Resolves when `pattern` shows up in the output; fails if the process exits first. */
  async waitForOutput(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (pattern.test(this.output())) return;
      if (!this.running) {
        throw new Error(
          `${this.name} exited (${this.exitCode}) before ${pattern}:\n${this.tail()}`,
        );
      }
      await sleep(100);
    }
    throw new Error(
      `${this.name}: no ${pattern} within ${timeoutMs} ms:\n${this.tail()}`,
    );
  }

  tail(lines = 40): string {
    return this.output().split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM, then SIGKILL if it does not exit in time. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    process.kill(this.pid, 'SIGTERM');
    const timer = setTimeout(() => {
      if (this.running) process.kill(this.pid, 'SIGKILL');
    }, graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** Dies like a crash: no shutdown hooks, nothing cleaned up. */
  async kill(): Promise<void> {
    if (!this.running) return;
    process.kill(this.pid, 'SIGKILL');
    await this.exited;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value (not undefined); for state that settles asynchronously. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`,
      );
    }
    await sleep(intervalMs);
  }
}
