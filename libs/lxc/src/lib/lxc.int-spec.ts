/**
 * Integration tests on real LXC (run as root): `nx run lxc:integration`.
 * Base images come from scripts/fixtures/make-base-images.sh (cached in
 * .state/fixtures; the Debian one takes a minute or two the first time).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import {
  lstat,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  readlink,
  rm,
  stat,
  symlink,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  Lxc,
  LxcInputError,
  LxcStartError,
  type OutputStream,
  type RunResult,
} from '../index';

const repoRoot = resolve(__dirname, '../../../..');
const fixturesDir = join(repoRoot, '.state/fixtures');
const scratchRoot = join(repoRoot, '.state/lxc-int');

function fixture(kind: 'busybox' | 'debian'): string {
  const out = execFileSync(
    join(repoRoot, 'scripts/fixtures/make-base-images.sh'),
    [kind, fixturesDir],
    {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return out.trim().split('\n').pop() ?? '';
}

async function unpack(archive: string, into: string): Promise<string> {
  await mkdir(into, { recursive: true });
  const zstd = archive.endsWith('.zst') ? ['--zstd'] : [];
  execFileSync('tar', [
    ...zstd,
    '-x',
    '-p',
    '--numeric-owner',
    '--xattrs',
    '--xattrs-include=*',
    '--acls',
    '-f',
    archive,
    '-C',
    into,
  ]);
  return into;
}

/** Processes (as "pid argv") in the container's cgroup or carrying a test marker in their argv. */
async function containerProcesses(
  name: string,
  marker?: string,
): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cgroup = await readFile(`/proc/${entry}/cgroup`, 'utf8');
      const argv = (await readFile(`/proc/${entry}/cmdline`, 'utf8')).split(
        '\0',
      );
      if (
        cgroup.includes(`lxc.payload.${name}\n`) ||
        cgroup.includes(`lxc.payload.${name}/`) ||
        (marker !== undefined && argv.includes(marker))
      ) {
        found.push(`${entry} ${argv.join(' ')}`);
      }
    } catch {
      // exited while we looked
    }
  }
  return found;
}

async function mountsUnder(path: string): Promise<string[]> {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((mp) => mp === path || mp.startsWith(`${path}/`));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

interface Collected {
  lines: { line: string; stream: OutputStream }[];
  onLine: (line: string, stream: OutputStream) => void;
  out: () => string[];
  err: () => string[];
}

function collect(
  hook?: (line: string, stream: OutputStream) => void,
): Collected {
  const lines: Collected['lines'] = [];
  return {
    lines,
    onLine: (line, stream) => {
      lines.push({ line, stream });
      hook?.(line, stream);
    },
    out: () => lines.filter((l) => l.stream === 'stdout').map((l) => l.line),
    err: () => lines.filter((l) => l.stream === 'stderr').map((l) => l.line),
  };
}

describe('Lxc on real LXC', () => {
  let workDir: string;
  let lxcPath: string;
  let lxc: Lxc;
  let busybox: string;
  let debian: string;
  const warnings: string[] = [];

  beforeAll(async () => {
    await Lxc.assertAvailable();
    const busyboxTar = fixture('busybox');
    const debianTar = fixture('debian');
    await mkdir(scratchRoot, { recursive: true });
    workDir = await mkdtemp(join(scratchRoot, 'run-'));
    lxcPath = join(workDir, 'lxcpath');
    busybox = await unpack(busyboxTar, join(workDir, 'busybox'));
    debian = await unpack(debianTar, join(workDir, 'debian'));
    lxc = new Lxc({
      lxcPath,
      logger: { log: () => undefined, warn: (m) => warnings.push(m) },
    });
  }, 600_000);

  afterEach(async () => {
    // Every test must leave nothing behind, whatever happened in it.
    expect(await lxc.list()).toEqual([]);
    expect(await readdir(lxcPath)).toEqual([]);
    expect(await mountsUnder(workDir)).toEqual([]);
    // Reset before asserting so one test's warning does not fail the next ones.
    const logged = warnings.splice(0);
    expect(logged).toEqual([]);
  });

  afterAll(async () => {
    if (workDir) await rm(workDir, { recursive: true, force: true });
  });

  it('propagates exit codes', async () => {
    for (const code of [0, 1, 3, 255]) {
      const r = await lxc.run({
        rootfs: busybox,
        command: ['/bin/sh', '-c', `exit ${code}`],
      });
      expect(r).toMatchObject({
        exitCode: code,
        timedOut: false,
        cancelled: false,
      });
      expect(r.signal).toBeUndefined();
    }
    const killed = await lxc.run({
      rootfs: busybox,
      command: ['/bin/sh', '-c', 'kill -9 $$'],
    });
    expect(killed.exitCode).toBe(137);
  });

  it('runs with exactly the given environment, user and working directory (Debian)', async () => {
    const env = {
      PATH: '/usr/bin:/bin',
      GREETING: 'hello world',
      MULTI: 'one\ntwo',
      EMPTY: '',
    };
    const c = collect();
    const r = await lxc.run({
      rootfs: debian,
      command: ['env'],
      env,
      onLine: c.onLine,
    });
    expect(r.exitCode).toBe(0);
    expect(c.out().sort()).toEqual(
      [
        'EMPTY=',
        'GREETING=hello world',
        'MULTI=one',
        'PATH=/usr/bin:/bin',
        'two',
      ].sort(),
    );

    const who = collect();
    const r2 = await lxc.run({
      rootfs: debian,
      command: [
        '/bin/sh',
        '-c',
        'id -u; id -g; pwd; touch owned; stat -c %u owned; rm owned',
      ],
      env: { PATH: '/usr/bin:/bin' },
      user: 1,
      cwd: '/tmp',
      onLine: who.onLine,
    });
    expect(r2.exitCode).toBe(0);
    expect(who.out()).toEqual(['1', '1', '/tmp', '1']);
  });

  it('runs with an empty environment by default (busybox)', async () => {
    const c = collect();
    const r = await lxc.run({
      rootfs: busybox,
      command: ['/usr/bin/env'],
      onLine: c.onLine,
    });
    expect(r.exitCode).toBe(0);
    expect(c.lines).toEqual([]);
  });

  it('streams many stdout and stderr lines in order, and flushes a final partial line', async () => {
    const c = collect();
    const r = await lxc.run({
      rootfs: busybox,
      command: [
        '/bin/sh',
        '-c',
        'i=1; while [ $i -le 3000 ]; do echo "out $i"; [ $((i % 100)) -eq 0 ] && echo "err $i" >&2; i=$((i+1)); done; printf tail',
      ],
      onLine: c.onLine,
    });
    expect(r.exitCode).toBe(0);
    const expectedOut = Array.from({ length: 3000 }, (_, i) => `out ${i + 1}`);
    expect(c.out()).toEqual([...expectedOut, 'tail']);
    expect(c.err()).toEqual(
      Array.from({ length: 30 }, (_, i) => `err ${(i + 1) * 100}`),
    );
  });

  it('delivers lines while the command is still running', async () => {
    // The command waits for a file that we only create after seeing its first
    // line, so it can only finish if that line reached us before it ended.
    const go = join(busybox, 'tmp/go');
    const c = collect((line) => {
      if (line === 'waiting') void writeFile(go, '');
    });
    const r = await lxc.run({
      rootfs: busybox,
      command: [
        '/bin/sh',
        '-c',
        'echo waiting; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo done',
      ],
      timeoutMs: 60_000,
      onLine: c.onLine,
    });
    await rm(go, { force: true });
    expect(r.timedOut).toBe(false);
    expect(c.out()).toEqual(['waiting', 'done']);
  });

  it('kills the whole container, background children included, on timeout', async () => {
    const name = 'vr-int-timeout';
    let during: string[] = [];
    let listed: string[] = [];
    const c = collect((line) => {
      if (line === 'started') {
        void (async () => {
          during = await containerProcesses(name, '987001');
          listed = await lxc.list();
        })();
      }
    });
    const r = await lxc.run({
      rootfs: busybox,
      name,
      command: [
        '/bin/sh',
        '-c',
        'sleep 987001 & (sleep 987001 &); setsid sleep 987001 & trap "" TERM; echo started; sleep 987001',
      ],
      // Leaves time for the process scan started on 'started'.
      timeoutMs: 5000,
      onLine: c.onLine,
    });
    expect(r).toMatchObject({
      exitCode: 137,
      signal: 'SIGKILL',
      timedOut: true,
      cancelled: false,
      name,
    });
    expect(listed).toEqual([name]);
    expect(during.length).toBeGreaterThanOrEqual(4);
    expect(await containerProcesses(name, '987001')).toEqual([]);
  });

  it('kills the whole container on cancel', async () => {
    const name = 'vr-int-cancel';
    const controller = new AbortController();
    let during: string[] = [];
    const c = collect((line) => {
      if (line === 'started') {
        void containerProcesses(name, '987002').then((pids) => {
          during = pids;
          controller.abort();
        });
      }
    });
    const r = await lxc.run({
      rootfs: busybox,
      name,
      command: [
        '/bin/sh',
        '-c',
        'sleep 987002 & (sleep 987002 &); echo started; sleep 987002',
      ],
      signal: controller.signal,
      timeoutMs: 120_000,
      onLine: c.onLine,
    });
    expect(r).toMatchObject({
      exitCode: 137,
      signal: 'SIGKILL',
      timedOut: false,
      cancelled: true,
    });
    expect(during.length).toBeGreaterThanOrEqual(3);
    expect(await containerProcesses(name, '987002')).toEqual([]);
  });

  it('does not start when already cancelled', async () => {
    const r = await lxc.run({
      rootfs: busybox,
      command: ['/bin/true'],
      signal: AbortSignal.abort(),
    });
    expect(r).toMatchObject({ cancelled: true, durationMs: 0 });
  });

  it('kills the container and rethrows when onLine throws', async () => {
    const name = 'vr-int-throw';
    const boom = new Error('consumer failed');
    await expect(
      lxc.run({
        rootfs: busybox,
        name,
        command: ['/bin/sh', '-c', 'sleep 987003 & echo hello; sleep 987003'],
        timeoutMs: 120_000,
        onLine: () => {
          throw boom;
        },
      }),
    ).rejects.toBe(boom);
    expect(await containerProcesses(name, '987003')).toEqual([]);
  });

  it('provides host resolv.conf and hosts read-only and leaves the image unchanged', async () => {
    const etc = join(debian, 'etc');
    const before = await stat(etc);
    // Debian's resolv.conf is a regular file here; also cover a symlink and a missing file.
    const original = await readFile(join(etc, 'resolv.conf'), 'utf8');
    await unlink(join(etc, 'resolv.conf'));
    await symlink(
      '../run/systemd/resolve/stub-resolv.conf',
      join(etc, 'resolv.conf'),
    );
    await rm(join(etc, 'hosts'), { force: true });
    const etcTimes = await stat(etc, { bigint: true });
    try {
      const c = collect();
      const r = await lxc.run({
        rootfs: debian,
        command: [
          '/bin/sh',
          '-c',
          'cat /etc/resolv.conf; echo ---; cat /etc/hosts; echo x >> /etc/hosts || echo read-only',
        ],
        env: { PATH: '/usr/bin:/bin' },
        onLine: c.onLine,
      });
      expect(r.exitCode).toBe(0);
      const hostResolv = (await readFile('/etc/resolv.conf', 'utf8'))
        .trimEnd()
        .split('\n');
      const hostHosts = (await readFile('/etc/hosts', 'utf8'))
        .trimEnd()
        .split('\n');
      expect(c.out()).toEqual([
        ...hostResolv,
        '---',
        ...hostHosts,
        'read-only',
      ]);
      expect(await readlink(join(etc, 'resolv.conf'))).toBe(
        '../run/systemd/resolve/stub-resolv.conf',
      );
      expect(await exists(join(etc, 'hosts'))).toBe(false);
      expect((await stat(etc, { bigint: true })).mtimeNs).toBe(
        etcTimes.mtimeNs,
      );
    } finally {
      await unlink(join(etc, 'resolv.conf'));
      await writeFile(join(etc, 'resolv.conf'), original, {
        mode: before.mode & 0o777,
      });
    }
  });

  it('bind-mounts extra host paths, read-only when asked, and removes the mount points afterwards', async () => {
    const shared = await mkdtemp(join(workDir, 'shared-'));
    const ro = await mkdtemp(join(workDir, 'ro-'));
    await writeFile(join(ro, 'input'), 'from host\n');
    const c = collect();
    const r = await lxc.run({
      rootfs: busybox,
      command: [
        '/bin/sh',
        '-c',
        'echo from container > /mnt/shared/out; cat /opt/in/input; echo y > /opt/in/input 2>/dev/null || echo denied',
      ],
      bindMounts: [
        { source: shared, target: '/mnt/shared' },
        { source: ro, target: '/opt/in', readOnly: true },
      ],
      onLine: c.onLine,
    });
    expect(r.exitCode).toBe(0);
    expect(c.out()).toEqual(['from host', 'denied']);
    expect(await readFile(join(shared, 'out'), 'utf8')).toBe(
      'from container\n',
    );
    expect(await exists(join(busybox, 'mnt'))).toBe(false);
    expect(await exists(join(busybox, 'opt'))).toBe(false);
  });

  it('isolates the network on request', async () => {
    const interfaces = async (
      network: 'host' | 'isolated',
    ): Promise<string[]> => {
      const c = collect();
      const r = await lxc.run({
        rootfs: busybox,
        command: ['/bin/cat', '/proc/net/dev'],
        network,
        onLine: c.onLine,
      });
      expect(r.exitCode).toBe(0);
      return c
        .out()
        .slice(2)
        .map((l) => l.trim().split(':')[0]);
    };
    const hostIfaces = (await readFile('/proc/net/dev', 'utf8'))
      .trim()
      .split('\n')
      .slice(2)
      .map((l) => l.trim().split(':')[0]);
    expect((await interfaces('host')).sort()).toEqual(hostIfaces.sort());
    expect(await interfaces('isolated')).toEqual(['lo']);
  });

  it('applies resource limits', async () => {
    // ash gives up at the first fork the pids limit refuses.
    const c = collect();
    const r = await lxc.run({
      rootfs: busybox,
      command: [
        '/bin/sh',
        '-c',
        'i=0; while [ $i -lt 40 ]; do sleep 987004 & i=$((i+1)); echo "spawned $i"; done',
      ],
      limits: { pids: 10, memoryBytes: 256 * 1024 * 1024, cpus: 1 },
      timeoutMs: 120_000,
      onLine: c.onLine,
    });
    expect(r.timedOut).toBe(false);
    expect(r.exitCode).not.toBe(0);
    expect(c.out().length).toBeLessThan(10);
    expect(c.err().join('\n')).toMatch(/can't fork/);
  });

  it('ends when the command exits, terminating what it left running', async () => {
    const name = 'vr-int-leftovers';
    const r = await lxc.run({
      rootfs: busybox,
      name,
      command: [
        '/bin/sh',
        '-c',
        'sleep 987005 & (trap "" TERM; sleep 987005) & setsid sleep 987005 & exit 7',
      ],
      timeoutMs: 120_000,
    });
    expect(r).toMatchObject({ exitCode: 7, timedOut: false, cancelled: false });
    expect(await containerProcesses(name, '987005')).toEqual([]);
  });

  it('refuses a name in use and reports start failures with LXC’s reason', async () => {
    const name = 'vr-int-dup';
    const go = join(busybox, 'tmp/dup-go');
    const first = lxc.run({
      rootfs: busybox,
      name,
      command: [
        '/bin/sh',
        '-c',
        'echo up; while [ ! -e /tmp/dup-go ]; do sleep 0.05; done',
      ],
      timeoutMs: 60_000,
      onLine: (line) => {
        if (line !== 'up') return;
        void lxc
          .run({ rootfs: busybox, name, command: ['/bin/true'] })
          .then(
            () => 'started',
            (err: unknown) =>
              err instanceof LxcInputError ? 'refused' : String(err),
          )
          .then((outcome) => writeFile(go, outcome));
      },
    });
    const r: RunResult = await first;
    expect(r.exitCode).toBe(0);
    expect(await readFile(go, 'utf8')).toBe('refused');
    await rm(go);

    const failure = lxc.run({
      rootfs: busybox,
      command: ['/bin/true'],
      cwd: '/does/not/exist',
    });
    await expect(failure).rejects.toBeInstanceOf(LxcStartError);
    await expect(failure).rejects.toThrow(/does\/not\/exist/);
  });

  it('runs an interactive shell on a pseudo-terminal (bash from Debian)', async () => {
    const runner = join(repoRoot, 'libs/lxc/test-support/runner.ts');
    // python's pty module gives the runner a real terminal; it types like a user.
    const driver = `
import os, pty, select, sys, time, json
pid, fd = pty.fork()
if pid == 0:
    os.execvp(sys.argv[1], sys.argv[1:])
out = b''
def read_until(token, limit):
    global out
    end = time.time() + limit
    while token not in out and time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                data = os.read(fd, 4096)
            except OSError:
                return
            if not data:
                return
            out += data
# Type only once the shell prompts: input typed earlier may be discarded.
read_until(b'# ', 60)
os.write(fd, b'echo hi-$((6*7)) $0\\n')
read_until(b'hi-42 ', 60)
read_until(b'\\n', 5)
os.write(fd, b'exit 5\\n')
read_until(b'\\0', 10)
_, status = os.waitpid(pid, 0)
print(json.dumps({'output': out.decode('utf8', 'replace'), 'code': os.waitstatus_to_exitcode(status)}))
`;
    const child = spawn(
      'python3',
      [
        '-c',
        driver,
        process.execPath,
        '-r',
        'ts-node/register/transpile-only',
        runner,
        'shell',
        lxcPath,
        debian,
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          TS_NODE_PROJECT: join(repoRoot, 'libs/lxc/tsconfig.spec.json'),
        },
      },
    );
    let stdout = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    const [code] = (await once(child, 'close')) as [number];
    expect(code).toBe(0);
    const result = JSON.parse(stdout) as { output: string; code: number };
    expect(result.output).toMatch(/hi-42 \/(usr\/)?bin\/bash/);
    expect(result.code).toBe(5);
  });

  it('cleans up a container whose owner process died', async () => {
    const name = 'vr-int-stale';
    const rootfs = await unpack(
      fixture('busybox'),
      join(workDir, 'stale-rootfs'),
    );
    await rm(join(rootfs, 'etc/hosts'), { force: true });
    const runner = join(repoRoot, 'libs/lxc/test-support/runner.ts');
    const child: ChildProcess = spawn(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        runner,
        'hang',
        lxcPath,
        rootfs,
        name,
      ],
      {
        cwd: repoRoot,
        env: {
          ...process.env,
          TS_NODE_PROJECT: join(repoRoot, 'libs/lxc/tsconfig.spec.json'),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    await new Promise<void>((resolveReady, reject) => {
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('READY')) resolveReady();
      });
      child.on('exit', () => reject(new Error(`runner exited early: ${out}`)));
    });
    expect(await exists(join(rootfs, 'etc/hosts'))).toBe(true);
    child.kill('SIGKILL');
    await once(child, 'close');

    // Its container died with it (parent-death signal), but its traces remain.
    expect(await readdir(lxcPath)).toEqual([name]);
    expect(await lxc.cleanupStale('vr-int-')).toEqual([name]);
    expect(await containerProcesses(name, '987654')).toEqual([]);
    expect(await exists(join(rootfs, 'etc/hosts'))).toBe(false);
    expect(await lxc.cleanupStale('vr-int-')).toEqual([]);
  });
});
