import { randomBytes } from 'node:crypto';
import {
  chmod,
  mkdir,
  mkdtemp,
  rename,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  Lxc,
  type OutputStream,
  type ResourceLimits,
  type RunOptions,
} from '@velociraptor/lxc';
import type { ObjectStore } from '@velociraptor/storage';
import { ArchiveTool, type ImageFormat } from './archive';
import { parseChecksum, type Checksum } from './checksum';
import { Downloader, type FetchedFile } from './downloader';
import {
  CancelledError,
  oneLine,
  ScriptFailedError,
  TimeoutError,
} from './errors';
import { Child } from './processes';

/** The part of Lxc the pipeline uses; unit tests hand in a fake. */
export type ContainerRunner = Pick<Lxc, 'run' | 'shell'>;

export interface ImagerDeps {
  downloader: Downloader;
  archive: ArchiveTool;
  lxc: ContainerRunner;
}

export function createDefaultDeps(opts: {
  cacheDir: string;
  lxcPath?: string;
}): ImagerDeps {
  return {
    downloader: new Downloader(opts.cacheDir),
    archive: new ArchiveTool(),
    lxc: new Lxc({ lxcPath: opts.lxcPath }),
  };
}

export type BuildPhase = 'fetch' | 'unpack' | 'script' | 'pack' | 'cleanup';

export type ScriptSource = { url: string } | { content: string | Buffer };

export type ImageDestination =
  | { kind: 'file'; path: string }
  | {
      kind: 's3';
      store: Pick<ObjectStore, 'putStream' | 'bucket'>;
      key: string;
    };

export interface BuildProgress {
  phase: 'fetch' | 'unpack' | 'pack';
  bytes: number;
  total?: number;
}

export interface CommonOptions {
  /** http(s) URL, file:// URL or local path of the base image tarball. */
  baseImageUrl: string;
  /** "md5:<hex>" / "sha256:<hex>" (or a bare digest); verified before anything is unpacked. */
  baseImageChecksum?: string | Checksum;
  /** Stack environment, on top of the defaults (PATH, HOME, DEBIAN_FRONTEND, TERM). */
  env?: Record<string, string>;
  /** TERM inside the container, when the caller has one. */
  term?: string;
  /** Parent of the temporary work folder; must support device nodes and xattrs. */
  workRoot?: string;
  network?: RunOptions['network'];
  limits?: ResourceLimits;
  containerName?: string;
  signal?: AbortSignal;
  onPhase?: (phase: BuildPhase) => void;
  onProgress?: (p: BuildProgress) => void;
  onLine?: (line: string, stream: OutputStream) => void;
  /** Informational messages (e.g. where a kept work folder is). */
  onLog?: (message: string) => void;
}

export interface BuildImageOptions extends CommonOptions {
  script: ScriptSource;
  destination: ImageDestination;
  format?: ImageFormat;
  compressionLevel?: number;
  /** Default 'never'; 'on-failure' keeps the unpacked rootfs for debugging. */
  keepWorkDir?: 'never' | 'on-failure' | 'always';
  /** Limit for the whole build. */
  timeoutMs?: number;
}

export interface BuildImageResult {
  format: ImageFormat;
  size: number;
  md5: string;
  sha256: string;
  destination:
    | { kind: 'file'; path: string }
    | { kind: 's3'; bucket: string; key: string };
  baseImage: FetchedFile;
  durationsMs: Partial<Record<BuildPhase, number>> & { total: number };
  /** Set when the work folder was kept. */
  workDir?: string;
}

export const DEFAULT_PATH =
  '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
/** Where the script appears inside the container: bind-mounted read-only, so it never lands in the image. */
export const SCRIPT_TARGET = '/.vimage-provision';

export function containerEnv(
  env: Record<string, string> = {},
  term?: string,
): Record<string, string> {
  return {
    PATH: DEFAULT_PATH,
    HOME: '/root',
    DEBIAN_FRONTEND: 'noninteractive',
    ...(term ? { TERM: term } : {}),
    ...env,
  };
}

/** A script with a shebang is executed as is; anything else by /bin/sh. */
export function scriptCommand(script: Buffer): string[] {
  const run =
    script.subarray(0, 2).toString('latin1') === '#!'
      ? [SCRIPT_TARGET]
      : ['/bin/sh', SCRIPT_TARGET];
  // One pipe for both streams inside the container, so the log keeps the order the script wrote
  // its lines in; two host pipes read independently can reorder stdout and stderr.
  return ['/bin/sh', '-c', 'exec "$@" 2>&1', 'provision', ...run];
}

/** Tracks the current phase and turns cancel / timeout into one AbortSignal whose reason is the typed error. */
class BuildControl {
  readonly controller = new AbortController();
  phase: BuildPhase = 'fetch';
  private timer?: NodeJS.Timeout;
  private readonly onOuterAbort = () =>
    this.controller.abort(new CancelledError(this.phase));
  private readonly started = Date.now();
  private phaseStarted = Date.now();
  readonly durations: Partial<Record<BuildPhase, number>> = {};

  constructor(
    private readonly outer: AbortSignal | undefined,
    timeoutMs: number | undefined,
    private readonly onPhase?: (p: BuildPhase) => void,
  ) {
    if (outer?.aborted) this.onOuterAbort();
    outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    if (timeoutMs !== undefined) {
      this.timer = setTimeout(
        () => this.controller.abort(new TimeoutError(timeoutMs, this.phase)),
        timeoutMs,
      );
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  enter(phase: BuildPhase): void {
    this.durations[this.phase] = Date.now() - this.phaseStarted;
    this.phase = phase;
    this.phaseStarted = Date.now();
    this.signal.throwIfAborted();
    this.onPhase?.(phase);
  }

  /** Ends the current phase's clock. */
  finish(): void {
    this.durations[this.phase] = Date.now() - this.phaseStarted;
  }

  total(): number {
    return Date.now() - this.started;
  }

  /** The typed abort reason wins over whatever error the abort caused downstream. */
  normalise(err: unknown): unknown {
    if (
      this.signal.aborted &&
      !(err instanceof TimeoutError || err instanceof CancelledError)
    ) {
      return this.signal.reason;
    }
    return err;
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

async function removeTree(path: string): Promise<void> {
  // rm(1) is much faster than fs.rm on a rootfs and never crosses into a mount.
  const rm = new Child(
    ['rm', '-rf', '--one-file-system', '--', path],
    ['ignore', 'ignore', 'pipe'],
  );
  const st = await rm.exited;
  if (st.code !== 0) throw new Error(rm.describe(st));
}

interface Prepared {
  control: BuildControl;
  baseImage: FetchedFile;
  script?: Buffer;
  workDir: string;
  rootfs: string;
}

async function prepare(
  opts: CommonOptions & { script?: ScriptSource; timeoutMs?: number },
  deps: ImagerDeps,
  control: BuildControl,
): Promise<Prepared> {
  const checksum =
    typeof opts.baseImageChecksum === 'string'
      ? parseChecksum(opts.baseImageChecksum)
      : opts.baseImageChecksum;
  control.enter('fetch');
  const signal = control.signal;
  // Fetch everything first: a bad URL or checksum fails before anything is unpacked or started.
  const baseImage = await deps.downloader.fetchFile(opts.baseImageUrl, {
    checksum,
    signal,
    onProgress: (bytes, total) =>
      opts.onProgress?.({ phase: 'fetch', bytes, total }),
  });
  let script: Buffer | undefined;
  if (opts.script) {
    script =
      'url' in opts.script
        ? await deps.downloader.fetchBuffer(opts.script.url, { signal })
        : Buffer.from(opts.script.content);
  }
  const workRoot = opts.workRoot ?? tmpdir();
  await mkdir(workRoot, { recursive: true });
  const workDir = await mkdtemp(join(workRoot, 'vimage-'));
  const rootfs = join(workDir, 'rootfs');
  return { control, baseImage, script, workDir, rootfs };
}

async function unpackAndRun(
  p: Prepared,
  opts: CommonOptions,
  deps: ImagerDeps,
  runScript: boolean,
): Promise<number | undefined> {
  const { control, rootfs } = p;
  await mkdir(rootfs, { mode: 0o755 });
  control.enter('unpack');
  await deps.archive.unpack(p.baseImage.path, rootfs, {
    signal: control.signal,
    onProgress: (bytes) => opts.onProgress?.({ phase: 'unpack', bytes }),
  });
  if (!runScript || !p.script) return undefined;
  control.enter('script');
  const scriptPath = join(p.workDir, 'provision');
  await writeFile(scriptPath, p.script, { mode: 0o755 });
  await chmod(scriptPath, 0o755);
  const r = await deps.lxc.run({
    rootfs,
    command: scriptCommand(p.script),
    env: containerEnv(opts.env, opts.term),
    name: opts.containerName,
    network: opts.network ?? 'host',
    limits: opts.limits,
    signal: control.signal,
    onLine: opts.onLine,
    bindMounts: [{ source: scriptPath, target: SCRIPT_TARGET, readOnly: true }],
  });
  if (r.timedOut || r.cancelled || control.signal.aborted) {
    throw control.signal.reason ?? new CancelledError('script');
  }
  return r.exitCode;
}

/**
 * Builds an OS image: fetch the base image (cached, verified), unpack it
 * safely, run the provisioning script as root in an LXC container, pack the
 * result with tar + zstd/pigz straight into the destination, and report its
 * size, md5 and sha256.
 */
export async function buildImage(
  opts: BuildImageOptions,
  deps: ImagerDeps,
): Promise<BuildImageResult> {
  const control = new BuildControl(opts.signal, opts.timeoutMs, opts.onPhase);
  const format = opts.format ?? 'zstd';
  const keep = opts.keepWorkDir ?? 'never';
  let prepared: Prepared | undefined;
  let ok = false;
  let partial: string | undefined;
  try {
    prepared = await prepare(opts, deps, control);
    const exitCode = await unpackAndRun(prepared, opts, deps, true);
    if (exitCode !== 0) throw new ScriptFailedError(exitCode ?? -1);

    control.enter('pack');
    const signal = control.signal;
    const onProgress = (bytes: number) =>
      opts.onProgress?.({ phase: 'pack', bytes });
    let result: BuildImageResult;
    const common = {
      format,
      baseImage: prepared.baseImage,
      durationsMs: { total: 0 },
    };
    if (opts.destination.kind === 'file') {
      const dest = opts.destination.path;
      // Written under a temporary name in the same folder, renamed only when complete.
      partial = join(
        dirname(dest),
        `.${basename(dest)}.partial-${randomBytes(4).toString('hex')}`,
      );
      const r = await deps.archive.packToFile(prepared.rootfs, partial, {
        format,
        level: opts.compressionLevel,
        signal,
        onProgress,
      });
      await rename(partial, dest);
      partial = undefined;
      result = { ...common, ...r, destination: { kind: 'file', path: dest } };
    } else {
      const { store, key } = opts.destination;
      const ps = deps.archive.packToStream(prepared.rootfs, {
        format,
        level: opts.compressionLevel,
        signal,
      });
      try {
        const put = await store.putStream(key, ps.stream, {
          signal,
          onProgress,
          contentType:
            format === 'zstd' ? 'application/zstd' : 'application/gzip',
        });
        await ps.done;
        result = {
          ...common,
          size: put.size,
          md5: put.md5,
          sha256: put.sha256,
          destination: { kind: 's3', bucket: store.bucket, key },
        };
      } catch (err) {
        ps.kill();
        throw err;
      }
    }
    ok = true;
    control.enter('cleanup');
    if (keep === 'always') {
      result.workDir = prepared.workDir;
      opts.onLog?.(`work folder kept at ${prepared.workDir}`);
    } else {
      await removeTree(prepared.workDir);
    }
    control.finish();
    result.durationsMs = { ...control.durations, total: control.total() };
    return result;
  } catch (err) {
    throw control.normalise(err);
  } finally {
    control.dispose();
    if (partial) await unlink(partial).catch(() => undefined);
    if (prepared && !ok) {
      if (keep === 'never') {
        await removeTree(prepared.workDir).catch((e) =>
          opts.onLog?.(`cannot remove ${prepared?.workDir}: ${oneLine(e)}`),
        );
      } else {
        opts.onLog?.(`work folder kept at ${prepared.workDir}`);
      }
    }
  }
}

export interface ShellSessionOptions extends CommonOptions {
  /** Run the provisioning script before opening the shell. */
  script?: ScriptSource;
  runScript?: boolean;
  /** Keep the work folder (the modified rootfs) afterwards. */
  keep?: boolean;
  /** Shell argv; default bash if the image has it, else sh. */
  command?: string[];
}

export interface ShellSessionResult {
  exitCode: number;
  scriptExitCode?: number;
  workDir?: string;
}

/**
 * Opens an interactive shell in a container over the base image (optionally
 * after running the script, even when the script fails: that is when one
 * wants to look around). Nothing is kept unless `keep` is set.
 */
export async function openShell(
  opts: ShellSessionOptions,
  deps: ImagerDeps,
): Promise<ShellSessionResult> {
  const control = new BuildControl(opts.signal, undefined, opts.onPhase);
  let prepared: Prepared | undefined;
  try {
    prepared = await prepare(
      { ...opts, script: opts.runScript ? opts.script : undefined },
      deps,
      control,
    );
    const scriptExitCode = await unpackAndRun(
      prepared,
      opts,
      deps,
      Boolean(opts.runScript),
    );
    if (scriptExitCode !== undefined && scriptExitCode !== 0) {
      opts.onLog?.(
        `provisioning script exited with code ${scriptExitCode}; opening the shell anyway`,
      );
    }
    const exitCode = await deps.lxc.shell({
      rootfs: prepared.rootfs,
      env: containerEnv(opts.env, opts.term),
      name: opts.containerName,
      network: opts.network ?? 'host',
      limits: opts.limits,
      command: opts.command,
      signal: control.signal,
    });
    return {
      exitCode,
      scriptExitCode,
      workDir: opts.keep ? prepared.workDir : undefined,
    };
  } catch (err) {
    throw control.normalise(err);
  } finally {
    control.dispose();
    if (prepared) {
      if (opts.keep) opts.onLog?.(`work folder kept at ${prepared.workDir}`);
      else
        await removeTree(prepared.workDir).catch((e) =>
          opts.onLog?.(`cannot remove ${prepared?.workDir}: ${oneLine(e)}`),
        );
    }
  }
}
