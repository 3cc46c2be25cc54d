import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import {
  mkdir,
  readFile,
  readdir,
  realpath,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { posix } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import {
  assertAbsolute,
  assertEnvName,
  assertName,
  renderConfig,
  type MountEntry,
} from './config';
import {
  LxcError,
  LxcInputError,
  LxcStartError,
  LxcUnavailableError,
} from './errors';
import {
  childPids,
  execCommand,
  findExecutable,
  procStatus,
  hostFacts,
  killCgroupProcesses,
  mountsUnder,
  processStartTime,
  removeLeftoverCgroups,
  type HostFacts,
  type ProcStatus,
} from './host';
import { LineSplitter } from './line-splitter';
import {
  lstatInRootfs,
  prepareMountTarget,
  restoreRootfs,
  type RootfsChange,
} from './rootfs-files';
import type {
  LxcLogger,
  LxcOptions,
  OutputStream,
  RunOptions,
  RunResult,
  ShellOptions,
} from './types';

export const DEFAULT_LXC_PATH = '/var/lib/velociraptor/lxc';
export const DEFAULT_NAME_PREFIX = 'vr-';

/** Exit code reported when we killed the container (128 + SIGKILL). */
export const KILLED_EXIT_CODE = 128 + 9;

/** Host files every container sees read-only, so DNS and localhost work like on the host. */
const HOST_FILES = ['/etc/resolv.conf', '/etc/hosts'] as const;

/** How long lxc-stop may keep failing (e.g. the container is still starting) before we kill lxc-execute. */
const STOP_RETRY_MS = 5_000;
/** How long to wait for lxc-execute to exit after a successful lxc-stop before killing it. */
const EXIT_AFTER_STOP_MS = 10_000;
/** The longest delay setTimeout can wait. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;
/** A run folder without an owner record younger than this may still be being set up. */
const OWNERLESS_GRACE_MS = 60_000;

/** Runs of this process, by lxcPath and name, so cleanupStale never touches them. */
const activeRuns = new Set<string>();

/** Written into the run folder first, so a later cleanupStale can undo a crashed run. */
interface OwnerRecord {
  pid: number;
  startTime: string | null;
  rootfs: string;
  changes: RootfsChange[];
}

interface PreparedRun {
  name: string;
  dir: string;
  configPath: string;
  logPath: string;
  ownerPath: string;
  rootfs: string;
  changes: RootfsChange[];
  command: string[];
  mountsBefore: string[];
}

type IoMode = 'pipe' | 'inherit';
type KillReason = 'timeout' | 'cancel' | 'callback-error';

const silentLogger: LxcLogger = {
  log: () => undefined,
  warn: (message) => console.warn(`[lxc] ${message}`),
};

/**
 * Runs commands in throwaway LXC containers built over an unpacked rootfs.
 * Every container lives under a private lxcpath so we never see or touch
 * containers that are not ours.
 */
export class Lxc {
  readonly lxcPath: string;
  private readonly logger: LxcLogger;

  constructor(opts: LxcOptions = {}) {
    this.lxcPath = opts.lxcPath ?? DEFAULT_LXC_PATH;
    assertAbsolute('lxcPath', this.lxcPath);
    this.logger = opts.logger ?? silentLogger;
  }

  /** Throws LxcUnavailableError (one-line message) when this host cannot run containers. */
  static async assertAvailable(): Promise<void> {
    if (typeof process.getuid === 'function' && process.getuid() !== 0) {
      throw new LxcUnavailableError('must run as root');
    }
    for (const tool of ['lxc-execute', 'lxc-stop', 'lxc-info', 'lxc-ls']) {
      if ((await findExecutable(tool)) === null) {
        throw new LxcUnavailableError(
          'LXC is not installed (apt-get install lxc)',
        );
      }
    }
  }

  /** Runs `command` to completion, streaming its output line by line. */
  async run(opts: RunOptions): Promise<RunResult> {
    if (
      !Array.isArray(opts.command) ||
      opts.command.length === 0 ||
      opts.command[0] === ''
    ) {
      throw new LxcInputError('command must be a non-empty argument array');
    }
    return this.execute(opts, opts.command, 'pipe', opts.onLine);
  }

  /**
   * Interactive session: stdin/stdout/stderr are the caller's own (LXC
   * proxies a terminal when they are one). Resolves to the exit code.
   */
  async shell(opts: ShellOptions): Promise<number> {
    let command = opts.command;
    if (command === undefined) {
      const rootfs = await resolveRootfs(opts.rootfs);
      command = ['/bin/sh'];
      for (const bash of ['/bin/bash', '/usr/bin/bash']) {
        if ((await lstatInRootfs(rootfs, bash)) !== null) {
          command = [bash];
          break;
        }
      }
    }
    if (command.length === 0 || command[0] === '')
      throw new LxcInputError('command must be a non-empty argument array');
    // The terminal's Ctrl-C/Ctrl-\ belong to the shell inside, not to us.
    const ignore = (): void => undefined;
    process.on('SIGINT', ignore);
    process.on('SIGQUIT', ignore);
    try {
      return (await this.execute(opts, command, 'inherit')).exitCode;
    } finally {
      process.off('SIGINT', ignore);
      process.off('SIGQUIT', ignore);
    }
  }

  /** Names of the containers under our lxcpath (defined or running). */
  async list(): Promise<string[]> {
    await this.ensureLxcPath();
    const lxcLs = await requireTool('lxc-ls');
    const res = await execCommand(lxcLs, ['-P', this.lxcPath, '-1']);
    if (res.code !== 0)
      throw new LxcError(`lxc-ls failed: ${res.stderr.trim()}`);
    return res.stdout
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '');
  }

  /**
   * Stops and removes containers left by runs whose process is gone (a
   * crash, a kill -9), undoes their changes to the rootfs and removes their
   * mounts. Runs of live processes are left alone. Returns the names removed.
   */
  async cleanupStale(prefix = DEFAULT_NAME_PREFIX): Promise<string[]> {
    await Lxc.assertAvailable();
    await this.ensureLxcPath();
    const names = new Set(await this.list());
    for (const entry of await readdir(this.lxcPath, { withFileTypes: true })) {
      if (entry.isDirectory()) names.add(entry.name);
    }
    const removed: string[] = [];
    for (const name of [...names].sort()) {
      if (!name.startsWith(prefix) || activeRuns.has(this.runKey(name)))
        continue;
      const dir = posix.join(this.lxcPath, name);
      const owner = await readOwner(posix.join(dir, 'owner.json'));
      if (owner !== null && owner.pid !== process.pid && (await isAlive(owner)))
        continue;
      if (owner === null && (await isYoungDir(dir))) continue;
      this.logger.log(`removing stale container ${name}`);
      await this.stopContainer(name);
      const problems: string[] = [];
      if (!(await killCgroupProcesses(name)))
        problems.push('processes survived SIGKILL in its cgroup');
      if (owner !== null) {
        problems.push(...(await restoreRootfs(owner.rootfs, owner.changes)));
        // Mounts strictly below the rootfs (never the rootfs itself, which
        // its owner may have mounted) belong to the dead run.
        problems.push(
          ...(await unmountAll(
            (await mountsUnder(owner.rootfs)).filter((m) => m !== owner.rootfs),
          )),
        );
      }
      await removeLeftoverCgroups(name);
      await rm(dir, { recursive: true, force: true });
      for (const p of problems) this.logger.warn(`${name}: ${p}`);
      removed.push(name);
    }
    return removed;
  }

  private async execute(
    opts: RunOptions | ShellOptions,
    command: string[],
    io: IoMode,
    onLine?: RunOptions['onLine'],
  ): Promise<RunResult> {
    const name = opts.name ?? generateName();
    assertName(name);
    validateRunOptions(opts, command);
    await Lxc.assertAvailable();
    if (opts.signal?.aborted) {
      // Never started: nothing to kill or clean.
      return {
        exitCode: KILLED_EXIT_CODE,
        signal: 'SIGKILL',
        timedOut: false,
        cancelled: true,
        durationMs: 0,
        name,
      };
    }
    const facts = await hostFacts();
    const key = this.runKey(name);
    if (activeRuns.has(key)) {
      throw new LxcInputError(
        `container name '${name}' is already in use under ${this.lxcPath}`,
      );
    }
    // Marked from before the run folder exists until it is gone, so a
    // concurrent cleanupStale in this process never takes it for a leftover.
    activeRuns.add(key);
    try {
      const prepared = await this.prepare(name, opts, command, facts);
      try {
        return await this.spawnAndWait(prepared, opts, facts, io, onLine);
      } finally {
        await this.teardown(prepared);
      }
    } finally {
      activeRuns.delete(key);
    }
  }

  private async prepare(
    name: string,
    opts: RunOptions | ShellOptions,
    command: string[],
    facts: HostFacts,
  ): Promise<PreparedRun> {
    const rootfs = await resolveRootfs(opts.rootfs);
    await this.ensureLxcPath();
    const dir = posix.join(this.lxcPath, name);
    try {
      // mkdir is atomic: it is what reserves the name.
      await mkdir(dir, { mode: 0o700 });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new LxcInputError(
          `container name '${name}' is already in use under ${this.lxcPath}`,
        );
      }
      throw err;
    }
    const prepared: PreparedRun = {
      name,
      dir,
      configPath: posix.join(dir, 'config'),
      logPath: posix.join(dir, 'lxc.log'),
      ownerPath: posix.join(dir, 'owner.json'),
      rootfs,
      changes: [],
      command,
      mountsBefore: [],
    };
    try {
      await this.writeOwner(prepared);
      const mounts: MountEntry[] = [];
      const userTargets = new Set(
        (opts.bindMounts ?? []).map((b) => posix.normalize(b.target)),
      );
      const etc = await lstatInRootfs(rootfs, '/etc');
      for (const file of HOST_FILES) {
        if (userTargets.has(file)) continue;
        if (!etc?.isDirectory()) {
          this.logger.debug?.(
            `${name}: rootfs has no /etc directory; not providing ${file}`,
          );
          continue;
        }
        if (!(await isFile(file))) continue;
        try {
          await prepareMountTarget(
            rootfs,
            file,
            'file',
            prepared.changes,
            true,
          );
          mounts.push({ source: file, target: file, readOnly: true });
        } catch (err) {
          if (!(err instanceof LxcInputError)) throw err;
          this.logger.warn(
            `${name}: not providing host ${file}: ${err.message}`,
          );
        }
      }
      for (const bind of opts.bindMounts ?? []) {
        let kind: 'file' | 'dir';
        try {
          kind = (await stat(bind.source)).isDirectory() ? 'dir' : 'file';
        } catch {
          throw new LxcInputError(
            `bind mount source ${bind.source} does not exist`,
          );
        }
        await prepareMountTarget(rootfs, bind.target, kind, prepared.changes);
        mounts.push({
          source: bind.source,
          target: posix.normalize(bind.target),
          readOnly: bind.readOnly,
        });
      }
      const env = opts.env ?? {};
      const envBinary = await findEnvBinary(rootfs);
      if (envBinary !== null) {
        // env -i gives exactly the caller's variables (LXC would add container=lxc)
        // and carries any value, newlines included.
        prepared.command = [
          envBinary,
          '-i',
          '--',
          ...Object.entries(env).map(([k, v]) => `${k}=${v}`),
          ...command,
        ];
      }
      const uid = opts.user ?? 0;
      const config = renderConfig({
        name,
        rootfs,
        network: opts.network ?? 'host',
        cgroupVersion: facts.cgroupVersion,
        limits: opts.limits,
        uid,
        gid: await primaryGid(rootfs, uid),
        cwd: opts.cwd ?? '/',
        environment: envBinary === null ? env : undefined,
        mounts,
        // LXC's default profile is not loaded everywhere and blocks what
        // provisioning scripts do (mounts in chroots, ...); the container is
        // a throwaway build sandbox, confined by namespaces and dropped caps.
        apparmorProfile: facts.apparmorEnabled ? 'unconfined' : undefined,
      });
      await writeFile(prepared.configPath, config, { mode: 0o600 });
      await this.writeOwner(prepared);
      prepared.mountsBefore = await mountsUnder(rootfs);
      return prepared;
    } catch (err) {
      const problems = await restoreRootfs(rootfs, prepared.changes);
      for (const p of problems) this.logger.warn(`${name}: ${p}`);
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  private async spawnAndWait(
    run: PreparedRun,
    opts: RunOptions | ShellOptions,
    facts: HostFacts,
    io: IoMode,
    onLine?: RunOptions['onLine'],
  ): Promise<RunResult> {
    const lxcExecute = await requireTool('lxc-execute');
    const args = [
      '-P',
      this.lxcPath,
      '-n',
      run.name,
      '-f',
      run.configPath,
      '-o',
      run.logPath,
      '-l',
      'ERROR',
      '--',
      ...run.command,
    ];
    // If we die, setpriv's parent-death signal kills lxc-execute, and LXC in
    // turn kills the container's init (and with it the pid namespace).
    const [file, argv] =
      facts.setpriv !== null
        ? [facts.setpriv, ['--pdeathsig', 'KILL', '--', lxcExecute, ...args]]
        : [lxcExecute, args];
    this.logger.debug?.(`${run.name}: ${[file, ...argv].join(' ')}`);

    const started = performance.now();
    const child = spawn(file, argv, {
      stdio: io === 'pipe' ? ['ignore', 'pipe', 'pipe'] : 'inherit',
    });
    let killReason: KillReason | null = null;
    let callbackError: { error: unknown } | null = null;
    let killing: Promise<void> | null = null;
    const requestKill = (reason: KillReason): void => {
      killReason ??= reason;
      killing ??= this.killContainer(run.name, child).catch((err: unknown) =>
        this.logger.warn(
          `${run.name}: could not kill container: ${(err as Error).message}`,
        ),
      );
    };

    if (io === 'pipe') {
      const deliver = (lines: string[], stream: OutputStream): void => {
        if (!onLine) return;
        for (const line of lines) {
          if (callbackError !== null) return;
          try {
            onLine(line, stream);
          } catch (error) {
            callbackError = { error };
            requestKill('callback-error');
          }
        }
      };
      for (const stream of ['stdout', 'stderr'] as const) {
        const splitter = new LineSplitter();
        const readable = child[stream];
        readable?.on('data', (chunk: Buffer) =>
          deliver(splitter.push(chunk), stream),
        );
        readable?.on('end', () => deliver(splitter.flush(), stream));
      }
    }

    let finished = false;
    if (child.pid !== undefined) {
      void this.endWithCommand(
        run.name,
        child.pid,
        () => finished || killReason !== null,
      ).catch((err: unknown) =>
        this.logger.warn(
          `${run.name}: watching the command failed: ${(err as Error).message}`,
        ),
      );
    }
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => requestKill('timeout'), opts.timeoutMs)
        : undefined;
    const onAbort = (): void => requestKill('cancel');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    // Aborted while we prepared the run: the listener will not fire any more.
    if (opts.signal?.aborted) onAbort();

    let code: number | null;
    let signal: NodeJS.Signals | null;
    try {
      [code, signal] = (await once(child, 'close')) as [
        number | null,
        NodeJS.Signals | null,
      ];
    } catch (err) {
      throw new LxcUnavailableError(
        `cannot run lxc-execute: ${(err as Error).message}`,
      );
    } finally {
      finished = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
    }
    await killing;
    const durationMs = Math.round(performance.now() - started);

    if (killReason === null) {
      const failure = startFailure(await readLog(run.logPath));
      if (failure !== null) {
        throw new LxcStartError(
          `container ${run.name} failed to start: ${failure.summary}`,
          failure.lines,
        );
      }
    }
    if (callbackError !== null)
      throw (callbackError as { error: unknown }).error;
    if (killReason !== null) {
      return {
        exitCode: KILLED_EXIT_CODE,
        signal: 'SIGKILL',
        timedOut: killReason === 'timeout',
        cancelled: killReason === 'cancel',
        durationMs,
        name: run.name,
      };
    }
    const result: RunResult = {
      exitCode: code ?? 128 + signalNumber(signal),
      timedOut: false,
      cancelled: false,
      durationMs,
      name: run.name,
    };
    if (signal !== null) result.signal = signal;
    return result;
  }

  /**
   * Kills every process of the container: lxc-stop -k SIGKILLs its init,
   * which takes the whole pid namespace down. While the container is still
   * starting lxc-stop cannot find it, so retry; as a last resort kill
   * lxc-execute, whose death kills the init too (LXC sets a parent-death signal).
   */
  private async killContainer(
    name: string,
    child: ChildProcess,
  ): Promise<void> {
    const lxcStop = await requireTool('lxc-stop');
    const exited = (): boolean =>
      child.exitCode !== null || child.signalCode !== null;
    const giveUpAt = Date.now() + STOP_RETRY_MS;
    while (!exited()) {
      const res = await execCommand(
        lxcStop,
        ['-P', this.lxcPath, '-n', name, '-k'],
        10_000,
      ).catch(() => null);
      if (res?.code === 0) {
        const waitUntil = Date.now() + EXIT_AFTER_STOP_MS;
        while (!exited() && Date.now() < waitUntil) await delay(50);
        if (!exited()) child.kill('SIGKILL');
        return;
      }
      if (Date.now() > giveUpAt) {
        this.logger.warn(
          `${name}: lxc-stop failed (${res?.stderr.trim() ?? 'no output'}); killing lxc-execute`,
        );
        child.kill('SIGKILL');
        return;
      }
      await delay(100);
    }
  }

  /**
   * lxc-init keeps a container alive until every orphan has exited, so a
   * script that leaves a daemon behind would never finish. The command is
   * pid 2 in the container (init forks it first); once it is gone we SIGTERM
   * the container's init, which terminates the leftovers (SIGKILL after 1 s)
   * and exits with the command's status.
   */
  private async endWithCommand(
    name: string,
    monitorPid: number,
    done: () => boolean,
  ): Promise<void> {
    let seenCommand = false;
    for (let round = 0; !done(); round++) {
      await delay(round < 40 ? 25 : 200);
      if (done()) return;
      const init = await containerInit(monitorPid);
      if (init === null) continue;
      // Only processes still alive and still init's children count: one
      // that exited between the two reads must not look like a leftover.
      const statuses = await Promise.all(
        (await childPids(init)).map((pid) => procStatus(pid)),
      );
      const live = statuses.filter(
        (st): st is ProcStatus => st !== null && st.ppid === init,
      );
      if (live.some((st) => st.nsPids[st.nsPids.length - 1] === 2)) {
        seenCommand = true;
        continue;
      }
      if (live.length === 0) {
        // Not started yet, or everything ended and init is about to exit.
        if (seenCommand) return;
        continue;
      }
      // Live children but no pid 2: the command ended and left these behind.
      if (done() || (await containerInit(monitorPid)) !== init) return;
      this.logger.debug?.(
        `${name}: command exited; terminating ${live.length} leftover process(es)`,
      );
      try {
        process.kill(init, 'SIGTERM');
      } catch (err) {
        // init exited on its own meanwhile: nothing left to terminate.
        if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
      }
      return;
    }
  }

  /** lxc-stop -k, then wait until LXC no longer reports the container running. */
  private async stopContainer(name: string): Promise<void> {
    const lxcStop = await requireTool('lxc-stop');
    const lxcInfo = await requireTool('lxc-info');
    for (let attempt = 0; attempt < 50; attempt++) {
      const state = await execCommand(lxcInfo, [
        '-P',
        this.lxcPath,
        '-n',
        name,
        '-s',
        '-H',
      ]);
      if (state.code !== 0 || state.stdout.trim() === 'STOPPED') return;
      await execCommand(
        lxcStop,
        ['-P', this.lxcPath, '-n', name, '-k'],
        10_000,
      );
      await delay(100);
    }
    throw new LxcError(`container ${name} is still running after lxc-stop -k`);
  }

  private async teardown(run: PreparedRun): Promise<void> {
    const problems: string[] = [];
    try {
      // Normally the container died with lxc-execute; this covers the paths where it did not.
      await this.stopContainer(run.name);
    } catch (err) {
      problems.push((err as Error).message);
    }
    if (!(await killCgroupProcesses(run.name)))
      problems.push('processes survived SIGKILL in its cgroup');
    problems.push(...(await restoreRootfs(run.rootfs, run.changes)));
    const leaked = (await mountsUnder(run.rootfs)).filter(
      (m) => !run.mountsBefore.includes(m),
    );
    problems.push(...(await unmountAll(leaked)));
    await removeLeftoverCgroups(run.name);
    await rm(run.dir, { recursive: true, force: true });
    for (const p of problems) this.logger.warn(`${run.name}: ${p}`);
  }

  private async writeOwner(run: PreparedRun): Promise<void> {
    const record: OwnerRecord = {
      pid: process.pid,
      startTime: await processStartTime(process.pid),
      rootfs: run.rootfs,
      changes: run.changes,
    };
    await writeFile(run.ownerPath, JSON.stringify(record), { mode: 0o600 });
  }

  private async ensureLxcPath(): Promise<void> {
    await mkdir(this.lxcPath, { recursive: true, mode: 0o700 });
  }

  private runKey(name: string): string {
    return `${this.lxcPath}\0${name}`;
  }
}

/** Host pid of the container's init: the monitor's child that is pid 1 in a nested pid namespace. */
async function containerInit(monitorPid: number): Promise<number | null> {
  for (const pid of await childPids(monitorPid)) {
    const st = await procStatus(pid);
    if (
      st !== null &&
      st.ppid === monitorPid &&
      st.nsPids.length > 1 &&
      st.nsPids[st.nsPids.length - 1] === 1
    ) {
      return pid;
    }
  }
  return null;
}

export function generateName(prefix = DEFAULT_NAME_PREFIX): string {
  return `${prefix}${Date.now()}-${randomBytes(4).toString('hex')}`;
}

export function validateRunOptions(
  opts: RunOptions | ShellOptions,
  command: string[],
): void {
  if (!command.every((arg) => typeof arg === 'string' && !arg.includes('\0'))) {
    throw new LxcInputError(
      'command arguments must be strings without NUL bytes',
    );
  }
  if (command[0].includes('=')) {
    // env(1) would read it as a variable assignment.
    throw new LxcInputError(
      `command must not start with an argument containing '=' (${command[0]})`,
    );
  }
  if (opts.cwd !== undefined) assertAbsolute('cwd', opts.cwd);
  if (
    opts.network !== undefined &&
    opts.network !== 'host' &&
    opts.network !== 'isolated'
  ) {
    throw new LxcInputError(
      `network must be 'host' or 'isolated', got '${String(opts.network)}'`,
    );
  }
  if (
    opts.timeoutMs !== undefined &&
    !(
      Number.isFinite(opts.timeoutMs) &&
      opts.timeoutMs > 0 &&
      opts.timeoutMs <= MAX_TIMEOUT_MS
    )
  ) {
    // setTimeout fires at once for delays beyond 2^31-1 ms.
    throw new LxcInputError(
      `timeoutMs must be between 1 and ${MAX_TIMEOUT_MS} (about 24 days), got ${opts.timeoutMs}`,
    );
  }
  for (const [key, value] of Object.entries(opts.env ?? {})) {
    assertEnvName(key);
    if (typeof value !== 'string' || value.includes('\0')) {
      throw new LxcInputError(
        `environment variable ${key} must be a string without NUL bytes`,
      );
    }
  }
  for (const bind of opts.bindMounts ?? []) {
    assertAbsolute('bind mount source', bind.source);
    assertAbsolute('bind mount target', bind.target);
    if (posix.normalize(bind.target) === '/')
      throw new LxcInputError('a bind mount cannot target the container root');
  }
}

async function resolveRootfs(path: string): Promise<string> {
  assertAbsolute('rootfs', path);
  let real: string;
  try {
    real = await realpath(path);
  } catch {
    throw new LxcInputError(`rootfs ${path} does not exist`);
  }
  if (!(await stat(real)).isDirectory())
    throw new LxcInputError(`rootfs ${path} is not a directory`);
  if (real === '/') throw new LxcInputError('rootfs cannot be the host root');
  return real;
}

async function findEnvBinary(rootfs: string): Promise<string | null> {
  for (const candidate of ['/usr/bin/env', '/bin/env']) {
    const st = await lstatInRootfs(rootfs, candidate);
    if (st !== null && (st.isFile() || st.isSymbolicLink())) return candidate;
  }
  return null;
}

/** The uid's primary group from the rootfs' /etc/passwd, else the same number. */
async function primaryGid(rootfs: string, uid: number): Promise<number> {
  const st = await lstatInRootfs(rootfs, '/etc/passwd');
  if (st === null || !st.isFile()) return uid;
  const passwd = await readFile(posix.join(rootfs, 'etc/passwd'), 'utf8');
  for (const line of passwd.split('\n')) {
    const fields = line.split(':');
    if (
      fields.length >= 4 &&
      fields[2] === String(uid) &&
      /^\d+$/.test(fields[3])
    )
      return Number(fields[3]);
  }
  return uid;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

async function requireTool(name: string): Promise<string> {
  const path = await findExecutable(name);
  if (path === null)
    throw new LxcUnavailableError('LXC is not installed (apt-get install lxc)');
  return path;
}

async function readLog(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8'))
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

/** LXC's own words when lxc-execute could not start the container. */
export function startFailure(
  log: string[],
): { summary: string; lines: string[] } | null {
  if (
    !log.some((l) =>
      /Failed (to )?run an application inside container|Failed to spawn container/.test(
        l,
      ),
    )
  ) {
    return null;
  }
  // "lxc-execute NAME TIME ERROR    start - ../src/lxc/start.c:do_start:1331 - No such file ... - Could not ..."
  const messages = log
    .map((l) => l.split(' - ').slice(2).join(' - ').trim())
    .filter((m) => m !== '');
  return { summary: messages[0] ?? log[0], lines: log };
}

function signalNumber(signal: NodeJS.Signals | null): number {
  if (signal === null) return 0;
  return (
    (osConstants.signals as Record<string, number | undefined>)[signal] ?? 0
  );
}

async function readOwner(path: string): Promise<OwnerRecord | null> {
  try {
    const parsed = JSON.parse(
      await readFile(path, 'utf8'),
    ) as Partial<OwnerRecord>;
    if (
      typeof parsed.pid !== 'number' ||
      typeof parsed.rootfs !== 'string' ||
      !Array.isArray(parsed.changes)
    )
      return null;
    return {
      pid: parsed.pid,
      startTime: parsed.startTime ?? null,
      rootfs: parsed.rootfs,
      changes: parsed.changes,
    };
  } catch {
    return null;
  }
}

async function isAlive(owner: OwnerRecord): Promise<boolean> {
  const startTime = await processStartTime(owner.pid);
  if (startTime === null) return false;
  return owner.startTime === null || owner.startTime === startTime;
}

async function isYoungDir(dir: string): Promise<boolean> {
  try {
    return Date.now() - (await stat(dir)).mtimeMs < OWNERLESS_GRACE_MS;
  } catch {
    return false;
  }
}

/** Lazily unmounts, deepest first; returns problems instead of throwing. */
async function unmountAll(mountPoints: string[]): Promise<string[]> {
  const problems: string[] = [];
  for (const mp of [...mountPoints].sort((a, b) => b.length - a.length)) {
    const res = await execCommand('umount', ['-l', mp]).catch((err: Error) => ({
      code: 1,
      stderr: err.message,
      stdout: '',
    }));
    if (res.code !== 0)
      problems.push(`could not unmount ${mp}: ${res.stderr.trim()}`);
  }
  return problems;
}
