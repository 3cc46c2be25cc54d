export type NetworkMode = 'host' | 'isolated';

export interface ResourceLimits {
  /** Hard memory limit of the whole container, in bytes. */
  memoryBytes?: number;
  /** Maximum number of processes/threads in the container. */
  pids?: number;
  /** CPU bandwidth in cores (e.g. 1.5), enforced by the CFS quota. */
  cpus?: number;
}

export interface BindMount {
  /** Absolute host path (file or directory). */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
}

export type OutputStream = 'stdout' | 'stderr';

export interface RunOptions {
  /** Absolute path of an unpacked root filesystem, mounted read/write. */
  rootfs: string;
  /** argv inside the container. */
  command: string[];
  /** Default: unique `vr-<timestamp>-<random>`; must be unique. */
  name?: string;
  /** Exact environment inside (the caller merges defaults). */
  env?: Record<string, string>;
  /** uid inside, default 0. */
  user?: number;
  /** Working directory inside, default '/'. */
  cwd?: string;
  /** Default 'host'. */
  network?: NetworkMode;
  limits?: ResourceLimits;
  /** Kill the whole container when exceeded. */
  timeoutMs?: number;
  /** Cancel: kill the whole container. */
  signal?: AbortSignal;
  /** Output line by line as it comes (no trailing \n); a final unterminated line is flushed. */
  onLine?: (line: string, stream: OutputStream) => void;
  /** Extra host paths. */
  bindMounts?: BindMount[];
}

export interface RunResult {
  /**
   * Exit code of the command. A command killed by a signal inside the
   * container reports 128+signal (shell convention); when we killed the
   * container (timeout/cancel) it is 137.
   */
  exitCode: number;
  /** 'SIGKILL' when we killed the container, or the signal that ended lxc-execute itself. */
  signal?: string;
  timedOut: boolean;
  cancelled: boolean;
  durationMs: number;
  name: string;
}

export type ShellOptions = Omit<RunOptions, 'onLine' | 'command'> & {
  command?: string[];
};

/** Compatible with Nest's LoggerService and console. */
export interface LxcLogger {
  log(message: string): void;
  warn(message: string): void;
  debug?(message: string): void;
}

export interface LxcOptions {
  /** Private lxcpath (`-P`), default /var/lib/velociraptor/lxc. */
  lxcPath?: string;
  logger?: LxcLogger;
}
