import { createWriteStream, type WriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { Lxc } from '@velociraptor/lxc';
import {
  buildImage,
  createDefaultDeps,
  IMAGE_EXTENSIONS,
  openShell,
  type ImageFormat,
} from '@velociraptor/imager';
import type { CliConfig } from './config';
import { describeFailure, EXIT_OK } from './exit-codes';
import { formatBytes, ProgressReporter } from './progress';
import { loadStackFile } from './stack-file';

export interface CommonCliOptions {
  workRoot?: string;
  cacheDir?: string;
  network: 'host' | 'isolated';
}

export interface BuildCliOptions extends CommonCliOptions {
  format: ImageFormat;
  keepWorkDir: 'never' | 'on-failure' | 'always';
  timeout?: number;
}

export interface ShellCliOptions extends CommonCliOptions {
  runScript: boolean;
  keep: boolean;
}

export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  cwd: string;
}

/** SIGINT/SIGTERM abort the build (which then cleans up) instead of killing us mid-way. */
function abortOnSignals(): { signal: AbortSignal; dispose: () => void } {
  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: ac.signal,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

function closeLog(log: WriteStream): Promise<void> {
  return new Promise((res) => log.end(() => res()));
}

export async function buildCommand(
  file: string,
  opts: BuildCliOptions,
  config: CliConfig,
  io: CliIo,
): Promise<number> {
  let log: WriteStream | undefined;
  const reporter = new ProgressReporter(io.stderr, (l) => log?.write(`${l}\n`));
  const { signal, dispose } = abortOnSignals();
  try {
    const stack = await loadStackFile(file);
    await Lxc.assertAvailable();
    const out = resolve(
      io.cwd,
      `${stack.newImageName}${IMAGE_EXTENSIONS[opts.format]}`,
    );
    log = createWriteStream(resolve(io.cwd, `${stack.newImageName}.log`));
    reporter.line(
      `vimage: building ${stack.newImageName} from ${stack.baseImageName} (${stack.baseImageUrl})`,
    );
    const result = await buildImage(
      {
        baseImageUrl: stack.baseImageUrl,
        baseImageChecksum: stack.baseImageChecksum,
        script: { url: stack.scriptUrl },
        env: stack.env,
        term: config.term,
        destination: { kind: 'file', path: out },
        format: opts.format,
        workRoot: opts.workRoot ?? config.workRoot,
        keepWorkDir: opts.keepWorkDir,
        network: opts.network,
        timeoutMs: opts.timeout !== undefined ? opts.timeout * 1000 : undefined,
        signal,
        onPhase: (p) => reporter.phase(p),
        onProgress: (p) => reporter.progress(p),
        onLog: (m) => reporter.line(`vimage: ${m}`),
        onLine: (line, stream) => {
          reporter.clear();
          (stream === 'stdout' ? io.stdout : io.stderr).write(`${line}\n`);
          log?.write(`${line}\n`);
        },
      },
      createDefaultDeps({
        cacheDir: opts.cacheDir ?? config.cacheDir,
        lxcPath: config.lxcPath,
      }),
    );
    reporter.line(
      `vimage: wrote ${out} (${formatBytes(result.size)}, sha256 ${result.sha256})`,
    );
    return EXIT_OK;
  } catch (err) {
    const { message, exitCode } = describeFailure(err);
    reporter.line(`vimage: error: ${message}`);
    return exitCode;
  } finally {
    dispose();
    if (log) await closeLog(log);
  }
}

export async function shellCommand(
  file: string,
  opts: ShellCliOptions,
  config: CliConfig,
  io: CliIo,
): Promise<number> {
  const reporter = new ProgressReporter(io.stderr, () => undefined);
  try {
    const stack = await loadStackFile(file);
    await Lxc.assertAvailable();
    const r = await openShell(
      {
        baseImageUrl: stack.baseImageUrl,
        baseImageChecksum: stack.baseImageChecksum,
        script: { url: stack.scriptUrl },
        runScript: opts.runScript,
        keep: opts.keep,
        env: stack.env,
        term: config.term,
        workRoot: opts.workRoot ?? config.workRoot,
        network: opts.network,
        onPhase: (p) => reporter.phase(p),
        onProgress: (p) => reporter.progress(p),
        onLog: (m) => reporter.line(`vimage: ${m}`),
        onLine: (line, stream) =>
          (stream === 'stdout' ? io.stdout : io.stderr).write(`${line}\n`),
      },
      createDefaultDeps({
        cacheDir: opts.cacheDir ?? config.cacheDir,
        lxcPath: config.lxcPath,
      }),
    );
    return r.exitCode;
  } catch (err) {
    const { message, exitCode } = describeFailure(err);
    reporter.line(`vimage: error: ${message}`);
    return exitCode;
  }
}
