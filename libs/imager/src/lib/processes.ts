import {
  spawn,
  type ChildProcess,
  type StdioOptions,
} from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
  error?: Error;
}

/** A spawned child with the tail of its stderr kept for error messages. */
export class Child {
  readonly proc: ChildProcess;
  readonly exited: Promise<ExitStatus>;
  private stderr = '';

  constructor(
    readonly argv: string[],
    stdio: StdioOptions,
    opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
  ) {
    const [cmd, ...args] = argv;
    if (!cmd) throw new Error('empty command');
    this.proc = spawn(cmd, args, { stdio, cwd: opts.cwd, env: opts.env });
    this.proc.stderr?.setEncoding('utf8');
    this.proc.stderr?.on('data', (d: string) => {
      this.stderr = (this.stderr + d).slice(-4096);
    });
    this.exited = new Promise((resolve) => {
      let spawnError: Error | undefined;
      this.proc.once('error', (err) => {
        spawnError = err;
        // 'close' does not follow an error raised before the process started.
        if (this.proc.pid === undefined)
          resolve({ code: null, signal: null, error: err });
      });
      this.proc.once('close', (code, signal) =>
        resolve({ code, signal, error: spawnError }),
      );
    });
  }

  get name(): string {
    return this.argv[0] ?? '?';
  }

  /** Last non-empty stderr line, for one-line error messages. */
  stderrLine(): string {
    const lines = this.stderr
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
    return lines[lines.length - 1] ?? '';
  }

  kill(): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null)
      this.proc.kill('SIGKILL');
  }

  /** "tar exited with code 2: tar: x: Cannot open" */
  describe(st: ExitStatus): string {
    if (st.error) return `${this.name} could not run: ${st.error.message}`;
    const how = st.signal
      ? `was killed by ${st.signal}`
      : `exited with code ${st.code}`;
    const line = this.stderrLine();
    return `${this.name} ${how}${line ? `: ${line}` : ''}`;
  }
}

const found = new Map<string, boolean>();

/** Whether an executable is on PATH (cached; used to prefer pigz over gzip). */
export function commandExists(
  cmd: string,
  path = process.env['PATH'] ?? '',
): boolean {
  const cached = found.get(cmd);
  if (cached !== undefined) return cached;
  let ok = false;
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    try {
      accessSync(join(dir, cmd), constants.X_OK);
      ok = true;
      break;
    } catch {
      // not in this directory
    }
  }
  found.set(cmd, ok);
  return ok;
}

/** Rejects with the signal's reason as soon as it aborts. */
export function abortPromise(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_, reject) => {
    if (!signal) return;
    const fire = () =>
      reject(
        signal.reason instanceof Error ? signal.reason : new Error('aborted'),
      );
    if (signal.aborted) fire();
    else signal.addEventListener('abort', fire, { once: true });
  });
}
