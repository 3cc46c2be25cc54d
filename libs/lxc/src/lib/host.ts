import { execFile } from 'node:child_process';
import { access, readFile, readdir, rmdir, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { posix } from 'node:path';
import type { CgroupVersion } from './config';

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a short helper command (argument array, no shell) and collects its output. */
export function execCommand(
  file: string,
  args: string[],
  timeoutMs = 30_000,
): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err && typeof (err as NodeJS.ErrnoException).code === 'string') {
          reject(err); // spawn failure such as ENOENT
          return;
        }
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

export async function findExecutable(
  name: string,
  pathEnv = process.env['PATH'] ?? '',
): Promise<string | null> {
  const dirs = [
    ...pathEnv.split(':'),
    '/usr/local/sbin',
    '/usr/local/bin',
    '/usr/sbin',
    '/usr/bin',
    '/sbin',
    '/bin',
  ];
  for (const dir of dirs) {
    if (!dir.startsWith('/')) continue;
    const candidate = posix.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      if ((await stat(candidate)).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

export interface HostFacts {
  cgroupVersion: CgroupVersion;
  apparmorEnabled: boolean;
  /** util-linux setpriv, used to tie lxc-execute's life to ours (--pdeathsig). */
  setpriv: string | null;
}

let factsPromise: Promise<HostFacts> | null = null;

/** Facts about the host that do not change while we run; probed once. */
export function hostFacts(): Promise<HostFacts> {
  factsPromise ??= probeHost();
  return factsPromise;
}

async function probeHost(): Promise<HostFacts> {
  // A pure cgroup2 host mounts the unified hierarchy at /sys/fs/cgroup itself;
  // hybrid hosts (like this one) keep the controllers on v1.
  const unified = await exists('/sys/fs/cgroup/cgroup.controllers');
  let apparmorEnabled = false;
  try {
    apparmorEnabled =
      (
        await readFile('/sys/module/apparmor/parameters/enabled', 'utf8')
      ).trim() === 'Y';
  } catch {
    apparmorEnabled = false;
  }
  return {
    cgroupVersion: unified ? 2 : 1,
    apparmorEnabled,
    setpriv: await findExecutable('setpriv'),
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** Process start time (clock ticks since boot), to tell a live owner from a reused pid. */
export async function processStartTime(pid: number): Promise<string | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses; fields resume after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

/** Mount points in our mount namespace at or below `root`. */
export async function mountsUnder(root: string): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => decodeMountPath(l.split(' ')[4] ?? ''))
    .filter((mp) => mp === root || mp.startsWith(prefix));
}

function decodeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_m, oct: string) =>
    String.fromCharCode(parseInt(oct, 8)),
  );
}

/** Where LXC may have put the cgroups of container `name`, in every hierarchy. */
async function containerCgroupDirs(name: string): Promise<string[]> {
  const hierarchies = ['/sys/fs/cgroup'];
  try {
    for (const entry of await readdir('/sys/fs/cgroup', {
      withFileTypes: true,
    })) {
      if (entry.isDirectory())
        hierarchies.push(posix.join('/sys/fs/cgroup', entry.name));
    }
  } catch {
    return [];
  }
  // LXC nests its cgroups below the monitor's own (e.g. a systemd service's), so look there too.
  const ownPaths = new Set<string>(['/']);
  try {
    for (const line of (await readFile('/proc/self/cgroup', 'utf8')).split(
      '\n',
    )) {
      const path = line.split(':').slice(2).join(':');
      if (path.startsWith('/')) ownPaths.add(path);
    }
  } catch {
    // keep the hierarchy roots only
  }
  const dirs = new Set<string>();
  for (const h of hierarchies) {
    for (const p of ownPaths) {
      for (const leaf of [`lxc.payload.${name}`, `lxc.monitor.${name}`])
        dirs.add(posix.join(h, p, leaf));
    }
  }
  return [...dirs];
}

async function cgroupProcs(dir: string): Promise<number[]> {
  const pids: number[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return pids;
  }
  try {
    for (const field of (
      await readFile(posix.join(dir, 'cgroup.procs'), 'utf8')
    ).split('\n')) {
      if (/^\d+$/.test(field)) pids.push(Number(field));
    }
  } catch {
    // not a cgroup dir
  }
  for (const entry of entries) {
    if (entry.isDirectory())
      pids.push(...(await cgroupProcs(posix.join(dir, entry.name))));
  }
  return pids;
}

/**
 * SIGKILLs every process still in the container's payload cgroup (e.g. while
 * its pid namespace is being torn down after the monitor died) and waits
 * until the cgroup is empty. Returns false if processes survived.
 */
export async function killCgroupProcesses(
  name: string,
  waitMs = 5_000,
): Promise<boolean> {
  const dirs = (await containerCgroupDirs(name)).filter((d) =>
    posix.basename(d).startsWith('lxc.payload.'),
  );
  const giveUpAt = Date.now() + waitMs;
  for (;;) {
    const pids = new Set<number>();
    for (const dir of dirs)
      for (const pid of await cgroupProcs(dir)) pids.add(pid);
    if (pids.size === 0) return true;
    if (Date.now() > giveUpAt) return false;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Removes the (empty) cgroups LXC leaves behind when its monitor is killed
 * instead of shutting down cleanly. rmdir on a cgroup only succeeds when it
 * has no processes, so a live container is never touched.
 */
export async function removeLeftoverCgroups(name: string): Promise<void> {
  for (const dir of await containerCgroupDirs(name))
    await removeCgroupTree(dir);
}

async function removeCgroupTree(dir: string): Promise<void> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.isDirectory())
      await removeCgroupTree(posix.join(dir, entry.name));
  }
  try {
    await rmdir(dir);
  } catch {
    // busy (still has processes) or already gone
  }
}

/** Direct children of a process (all its threads), from /proc/<pid>/task/<tid>/children. */
export async function childPids(pid: number): Promise<number[]> {
  let tids: string[];
  try {
    tids = await readdir(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const children: number[] = [];
  for (const tid of tids) {
    try {
      const text = await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8');
      for (const field of text.split(' '))
        if (/^\d+$/.test(field)) children.push(Number(field));
    } catch {
      // thread or process gone
    }
  }
  return children;
}

export interface ProcStatus {
  ppid: number;
  /** The pid as seen in each nested pid namespace, outermost first. */
  nsPids: number[];
  zombie: boolean;
}

export async function procStatus(pid: number): Promise<ProcStatus | null> {
  try {
    const text = await readFile(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): string =>
      new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '';
    return {
      ppid: Number(field('PPid')),
      nsPids: field('NSpid').split(/\s+/).filter(Boolean).map(Number),
      zombie: field('State').startsWith('Z'),
    };
  } catch {
    return null;
  }
}
