import { writeFile } from 'node:fs/promises';
import { LxcInputError } from './errors';
import type { NetworkMode, ResourceLimits } from './types';

/** 'legacy' hosts (cgroup v1 or hybrid) take lxc.cgroup.*, unified ones lxc.cgroup2.*. */
export type CgroupVersion = 1 | 2;

export interface MountEntry {
  /** Absolute host path, or a filesystem name for a pseudo filesystem. */
  source: string;
  /** Absolute path inside the container. */
  target: string;
  readOnly?: boolean;
}

export interface LxcConfigOptions {
  name: string;
  /** Absolute host path of the root filesystem. */
  rootfs: string;
  network: NetworkMode;
  cgroupVersion: CgroupVersion;
  limits?: ResourceLimits;
  uid?: number;
  gid?: number;
  cwd?: string;
  /**
   * Rendered as lxc.environment. Only used when the rootfs has no `env`
   * binary to start the command with an exact environment (LXC itself adds
   * `container=lxc`).
   */
  environment?: Record<string, string>;
  /** Bind mounts; targets must already exist in the rootfs (we never let LXC create them). */
  mounts?: MountEntry[];
  /** Only set when the host enforces AppArmor. */
  apparmorProfile?: string;
}

/** CFS period used for cpu limits (the kernel default). */
export const CPU_PERIOD_US = 100_000;

/** Capabilities no build script needs and that reach outside the container. */
export const DROPPED_CAPABILITIES = [
  'mac_admin',
  'mac_override',
  'sys_boot',
  'sys_module',
  'sys_rawio',
  'sys_time',
] as const;

/**
 * The LXC config for one run, in LXC 3+ key syntax. Pure: everything host
 * dependent (cgroup layout, AppArmor) comes in through `opts`.
 */
export function renderConfig(opts: LxcConfigOptions): string {
  assertName(opts.name);
  assertAbsolute('rootfs', opts.rootfs);
  const lines: string[] = [
    '# Written by @velociraptor/lxc for a single run and removed afterwards.',
    line('lxc.uts.name', opts.name),
    line('lxc.rootfs.path', `dir:${opts.rootfs}`),
    // 'none' shares the host's network namespace; 'empty' gives only loopback.
    line('lxc.net.0.type', opts.network === 'host' ? 'none' : 'empty'),
    line('lxc.autodev', '1'),
    // LXC's own devpts setup (a private instance plus /dev/ptmx) gives working
    // ptys; a plain devpts mount entry leaves /dev/ptmx missing under autodev.
    line('lxc.pty.max', '1024'),
    line('lxc.tty.max', '0'),
    line('lxc.mount.auto', 'proc:mixed sys:mixed cgroup:mixed'),
    mountLine({
      source: 'shm',
      target: '/dev/shm',
      fsType: 'tmpfs',
      options: 'rw,nosuid,nodev,mode=1777,create=dir',
    }),
    line('lxc.cap.drop', DROPPED_CAPABILITIES.join(' ')),
  ];
  if (opts.apparmorProfile !== undefined) {
    lines.push(line('lxc.apparmor.profile', opts.apparmorProfile));
  }
  if (opts.uid !== undefined)
    lines.push(line('lxc.init.uid', String(assertId('uid', opts.uid))));
  if (opts.gid !== undefined)
    lines.push(line('lxc.init.gid', String(assertId('gid', opts.gid))));
  if (opts.cwd !== undefined) {
    assertAbsolute('cwd', opts.cwd);
    lines.push(line('lxc.init.cwd', opts.cwd));
  }
  lines.push(...renderLimits(opts.limits ?? {}, opts.cgroupVersion));
  for (const [key, value] of Object.entries(opts.environment ?? {})) {
    assertEnvName(key);
    if (value !== value.trim()) {
      // The config parser trims values, so the variable would silently change.
      throw new LxcInputError(
        `environment variable ${key}: leading/trailing whitespace cannot be passed to this rootfs (no env binary)`,
      );
    }
    lines.push(line('lxc.environment', `${key}=${value}`));
  }
  for (const mount of opts.mounts ?? []) {
    assertAbsolute('bind mount source', mount.source);
    lines.push(
      mountLine({
        source: mount.source,
        target: mount.target,
        fsType: 'none',
        options: mount.readOnly ? 'bind,ro' : 'bind',
      }),
    );
  }
  return lines.join('\n') + '\n';
}

/** Render and write the config (mode 0600: it may contain environment values). */
export async function writeConfig(
  path: string,
  opts: LxcConfigOptions,
): Promise<void> {
  await writeFile(path, renderConfig(opts), { mode: 0o600 });
}

export function renderLimits(
  limits: ResourceLimits,
  version: CgroupVersion,
): string[] {
  const out: string[] = [];
  const { memoryBytes, pids, cpus } = limits;
  if (memoryBytes !== undefined) {
    assertPositiveInteger('limits.memoryBytes', memoryBytes);
    out.push(
      version === 2
        ? line('lxc.cgroup2.memory.max', String(memoryBytes))
        : line('lxc.cgroup.memory.limit_in_bytes', String(memoryBytes)),
    );
  }
  if (pids !== undefined) {
    assertPositiveInteger('limits.pids', pids);
    out.push(
      line(
        version === 2 ? 'lxc.cgroup2.pids.max' : 'lxc.cgroup.pids.max',
        String(pids),
      ),
    );
  }
  if (cpus !== undefined) {
    if (!Number.isFinite(cpus) || cpus <= 0) {
      throw new LxcInputError(
        `limits.cpus must be a positive number, got ${cpus}`,
      );
    }
    // The kernel refuses quotas below 1 ms.
    const quota = Math.max(1000, Math.round(cpus * CPU_PERIOD_US));
    if (version === 2) {
      out.push(line('lxc.cgroup2.cpu.max', `${quota} ${CPU_PERIOD_US}`));
    } else {
      out.push(line('lxc.cgroup.cpu.cfs_period_us', String(CPU_PERIOD_US)));
      out.push(line('lxc.cgroup.cpu.cfs_quota_us', String(quota)));
    }
  }
  return out;
}

/**
 * fstab-style escaping as decoded by getmntent(3), which LXC uses to parse
 * lxc.mount.entry: whitespace and backslashes become octal escapes.
 */
export function escapeMountField(value: string): string {
  return value.replace(
    /[\\ \t]/g,
    (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`,
  );
}

function mountLine(m: {
  source: string;
  target: string;
  fsType: string;
  options: string;
}): string {
  assertAbsolute('mount target', m.target);
  // Relative targets are resolved against the container's rootfs by LXC.
  const target = m.target.replace(/^\/+/, '');
  if (target === '')
    throw new LxcInputError('a mount target cannot be the container root');
  return line(
    'lxc.mount.entry',
    `${escapeMountField(m.source)} ${escapeMountField(target)} ${m.fsType} ${m.options} 0 0`,
  );
}

function line(key: string, value: string): string {
  if (/[\n\r\0]/.test(value)) {
    throw new LxcInputError(
      `${key}: value must not contain newlines or NUL bytes`,
    );
  }
  return `${key} = ${value}`;
}

export function assertName(name: string): void {
  // LXC uses the name in paths, abstract socket names and cgroup names.
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/.test(name)) {
    throw new LxcInputError(
      `invalid container name '${name}': use 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
}

export function assertAbsolute(what: string, path: string): void {
  if (!path.startsWith('/'))
    throw new LxcInputError(`${what} must be an absolute path, got '${path}'`);
  if (/[\n\r\0]/.test(path))
    throw new LxcInputError(`${what} must not contain newlines or NUL bytes`);
  if (path !== path.trim())
    throw new LxcInputError(`${what} must not start or end with whitespace`);
  if (path.split('/').some((part) => part === '..')) {
    throw new LxcInputError(`${what} must not contain '..', got '${path}'`);
  }
}

export function assertEnvName(key: string): void {
  if (key === '' || key.includes('=') || /[\0\n]/.test(key)) {
    throw new LxcInputError(`invalid environment variable name '${key}'`);
  }
}

function assertId(what: string, id: number): number {
  if (!Number.isInteger(id) || id < 0 || id > 0xfffffffe) {
    throw new LxcInputError(
      `${what} must be an integer between 0 and 4294967294, got ${id}`,
    );
  }
  return id;
}

function assertPositiveInteger(what: string, n: number): void {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new LxcInputError(`${what} must be a positive integer, got ${n}`);
  }
}
