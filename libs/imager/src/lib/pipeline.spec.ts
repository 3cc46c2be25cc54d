import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunOptions, RunResult } from '@velociraptor/lxc';
import type { ArchiveTool, PackResult } from './archive';
import { Downloader } from './downloader';
import {
  ChecksumMismatchError,
  PackError,
  ScriptFailedError,
  TimeoutError,
} from './errors';
import {
  buildImage,
  DEFAULT_PATH,
  SCRIPT_TARGET,
  scriptCommand,
  type BuildImageOptions,
  type ImagerDeps,
} from './pipeline';

class FakeArchive {
  calls: string[] = [];
  failPack = false;
  async unpack(_archive: string, dest: string): Promise<unknown> {
    this.calls.push('unpack');
    await writeFile(join(dest, 'hello'), 'x');
    return { compression: 'none', entries: 1, bytes: 512 };
  }
  async packToFile(_rootfs: string, dest: string): Promise<PackResult> {
    this.calls.push('pack');
    await writeFile(dest, 'image-bytes');
    if (this.failPack) throw new PackError('tar exited with code 2');
    return { size: 11, md5: 'm', sha256: 's' };
  }
}

class FakeLxc {
  runs: RunOptions[] = [];
  exitCode = 0;
  hang = false;
  async run(o: RunOptions): Promise<RunResult> {
    this.runs.push(o);
    o.onLine?.('line one', 'stdout');
    if (this.hang) {
      await new Promise((r) => o.signal?.addEventListener('abort', r));
      return {
        exitCode: 137,
        timedOut: false,
        cancelled: true,
        durationMs: 1,
        name: 'x',
      };
    }
    return {
      exitCode: this.exitCode,
      timedOut: false,
      cancelled: false,
      durationMs: 1,
      name: 'x',
    };
  }
  async shell(): Promise<number> {
    return 0;
  }
}

describe('buildImage (I/O swapped)', () => {
  let dir: string;
  let archive: FakeArchive;
  let lxc: FakeLxc;
  let deps: ImagerDeps;
  let base: string;
  const out = () => join(dir, 'out', 'img.tar.zst');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'imager-pipe-'));
    for (const d of ['work', 'out']) mkdirSync(join(dir, d));
    base = join(dir, 'base.tar');
    writeFileSync(base, 'not really a tar');
    archive = new FakeArchive();
    lxc = new FakeLxc();
    deps = {
      downloader: new Downloader(join(dir, 'cache')),
      archive: archive as unknown as ArchiveTool,
      lxc,
    };
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const opts = (o: Partial<BuildImageOptions> = {}): BuildImageOptions => ({
    baseImageUrl: base,
    script: { content: '#!/bin/bash\necho hi\n' },
    destination: { kind: 'file', path: out() },
    workRoot: join(dir, 'work'),
    env: { FOO: 'bar', HOME: '/home/override' },
    term: 'xterm',
    ...o,
  });

  it('runs the phases in order with the env defaults and the script mounted read-only', async () => {
    const phases: string[] = [];
    const lines: string[] = [];
    const r = await buildImage(
      opts({ onPhase: (p) => phases.push(p), onLine: (l) => lines.push(l) }),
      deps,
    );
    expect(phases).toEqual(['fetch', 'unpack', 'script', 'pack', 'cleanup']);
    expect(archive.calls).toEqual(['unpack', 'pack']);
    expect(lines).toEqual(['line one']);
    const run = lxc.runs[0] as RunOptions;
    expect(run.env).toEqual({
      PATH: DEFAULT_PATH,
      HOME: '/home/override',
      DEBIAN_FRONTEND: 'noninteractive',
      TERM: 'xterm',
      FOO: 'bar',
    });
    expect(run.command.slice(-1)).toEqual([SCRIPT_TARGET]);
    expect(run.bindMounts).toEqual([
      expect.objectContaining({ target: SCRIPT_TARGET, readOnly: true }),
    ]);
    expect(r).toMatchObject({
      size: 11,
      destination: { kind: 'file', path: out() },
    });
    expect(readdirSync(join(dir, 'out'))).toEqual(['img.tar.zst']);
    expect(readdirSync(join(dir, 'work'))).toEqual([]);
  });

  it('runs a script without a shebang with /bin/sh, stderr merged into stdout', () => {
    const merge = ['/bin/sh', '-c', 'exec "$@" 2>&1', 'provision'];
    expect(scriptCommand(Buffer.from('echo hi'))).toEqual([
      ...merge,
      '/bin/sh',
      SCRIPT_TARGET,
    ]);
    expect(scriptCommand(Buffer.from('#!/bin/bash\necho hi'))).toEqual([
      ...merge,
      SCRIPT_TARGET,
    ]);
  });

  it('fails a checksum mismatch before unpacking or starting a container', async () => {
    await expect(
      buildImage(opts({ baseImageChecksum: 'md5:' + '0'.repeat(32) }), deps),
    ).rejects.toThrow(ChecksumMismatchError);
    expect(archive.calls).toEqual([]);
    expect(lxc.runs).toEqual([]);
    expect(readdirSync(join(dir, 'work'))).toEqual([]);
  });

  it('keeps the script exit code, packs nothing and removes the work folder', async () => {
    lxc.exitCode = 3;
    await expect(buildImage(opts(), deps)).rejects.toMatchObject({
      exitCode: 3,
      constructor: ScriptFailedError,
    });
    expect(archive.calls).toEqual(['unpack']);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
    expect(readdirSync(join(dir, 'work'))).toEqual([]);
  });

  it('keeps the work folder on failure when asked', async () => {
    lxc.exitCode = 1;
    const logs: string[] = [];
    await expect(
      buildImage(
        opts({ keepWorkDir: 'on-failure', onLog: (m) => logs.push(m) }),
        deps,
      ),
    ).rejects.toThrow();
    expect(readdirSync(join(dir, 'work'))).toHaveLength(1);
    expect(logs[0]).toMatch(/work folder kept at/);
  });

  it('removes the partial image when packing fails', async () => {
    archive.failPack = true;
    await expect(buildImage(opts(), deps)).rejects.toThrow(PackError);
    expect(readdirSync(join(dir, 'out'))).toEqual([]);
  });

  it('turns a timeout into TimeoutError naming the phase', async () => {
    lxc.hang = true;
    await expect(
      buildImage(opts({ timeoutMs: 300 }), deps),
    ).rejects.toMatchObject({
      constructor: TimeoutError,
      phase: 'script',
    });
    expect(readdirSync(join(dir, 'work'))).toEqual([]);
  });
});
