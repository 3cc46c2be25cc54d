import {
  escapeMountField,
  renderConfig,
  renderLimits,
  type LxcConfigOptions,
} from './config';
import { LxcInputError } from './errors';

const base: LxcConfigOptions = {
  name: 'vr-1-abc',
  rootfs: '/var/lib/velociraptor/work/rootfs',
  network: 'host',
  cgroupVersion: 2,
};

function keys(config: string, key: string): string[] {
  return config
    .split('\n')
    .filter((l) => l.startsWith(`${key} = `))
    .map((l) => l.slice(key.length + 3));
}

describe('renderConfig', () => {
  it('renders the base container in current key syntax', () => {
    const config = renderConfig(base);
    expect(keys(config, 'lxc.uts.name')).toEqual(['vr-1-abc']);
    expect(keys(config, 'lxc.rootfs.path')).toEqual([
      'dir:/var/lib/velociraptor/work/rootfs',
    ]);
    expect(keys(config, 'lxc.autodev')).toEqual(['1']);
    expect(keys(config, 'lxc.mount.auto')).toEqual([
      'proc:mixed sys:mixed cgroup:mixed',
    ]);
    expect(keys(config, 'lxc.mount.entry')).toEqual([
      'shm dev/shm tmpfs rw,nosuid,nodev,mode=1777,create=dir 0 0',
    ]);
    expect(keys(config, 'lxc.pty.max')).toEqual(['1024']);
    expect(config).not.toMatch(
      /^lxc\.(utsname|rootfs|network|id_map|pts|tty|aa_profile|haltsignal) =/m,
    );
    expect(config.endsWith('\n')).toBe(true);
  });

  it('drops the capabilities that reach outside the container', () => {
    const dropped = keys(renderConfig(base), 'lxc.cap.drop')
      .join(' ')
      .split(' ');
    expect(dropped).toEqual(
      expect.arrayContaining([
        'mac_admin',
        'mac_override',
        'sys_boot',
        'sys_module',
        'sys_rawio',
        'sys_time',
      ]),
    );
  });

  it('maps the network modes', () => {
    expect(keys(renderConfig(base), 'lxc.net.0.type')).toEqual(['none']);
    expect(
      keys(renderConfig({ ...base, network: 'isolated' }), 'lxc.net.0.type'),
    ).toEqual(['empty']);
  });

  it('sets user, group and working directory of the command', () => {
    const config = renderConfig({
      ...base,
      uid: 1000,
      gid: 100,
      cwd: '/srv/app',
    });
    expect(keys(config, 'lxc.init.uid')).toEqual(['1000']);
    expect(keys(config, 'lxc.init.gid')).toEqual(['100']);
    expect(keys(config, 'lxc.init.cwd')).toEqual(['/srv/app']);
  });

  it('renders bind mounts relative to the rootfs, read-only when asked, with escaped whitespace', () => {
    const config = renderConfig({
      ...base,
      mounts: [
        {
          source: '/etc/resolv.conf',
          target: '/etc/resolv.conf',
          readOnly: true,
        },
        { source: '/srv/my cache', target: '/var/cache/apt', readOnly: false },
      ],
    });
    expect(keys(config, 'lxc.mount.entry').slice(1)).toEqual([
      '/etc/resolv.conf etc/resolv.conf none bind,ro 0 0',
      '/srv/my\\040cache var/cache/apt none bind 0 0',
    ]);
  });

  it('renders lxc.environment only when given', () => {
    expect(keys(renderConfig(base), 'lxc.environment')).toEqual([]);
    const config = renderConfig({
      ...base,
      environment: { PATH: '/bin', EMPTY: '' },
    });
    expect(keys(config, 'lxc.environment')).toEqual(['PATH=/bin', 'EMPTY=']);
  });

  it('sets the AppArmor profile only when asked', () => {
    expect(renderConfig(base)).not.toContain('lxc.apparmor');
    expect(
      keys(
        renderConfig({ ...base, apparmorProfile: 'unconfined' }),
        'lxc.apparmor.profile',
      ),
    ).toEqual(['unconfined']);
  });

  it('refuses values that would inject config lines', () => {
    expect(() =>
      renderConfig({ ...base, rootfs: '/tmp/x\nlxc.cap.drop =' }),
    ).toThrow(LxcInputError);
    expect(() => renderConfig({ ...base, cwd: '/tmp\nx' })).toThrow(
      LxcInputError,
    );
    expect(() =>
      renderConfig({ ...base, environment: { A: 'b\nlxc.init.uid = 0' } }),
    ).toThrow(LxcInputError);
    expect(() =>
      renderConfig({ ...base, mounts: [{ source: '/a\nb', target: '/x' }] }),
    ).toThrow(LxcInputError);
  });

  it('refuses bad names, relative paths and environment values the parser would trim', () => {
    expect(() => renderConfig({ ...base, name: '../etc' })).toThrow(
      /invalid container name/,
    );
    expect(() => renderConfig({ ...base, name: '' })).toThrow(
      /invalid container name/,
    );
    expect(() => renderConfig({ ...base, rootfs: 'relative/rootfs' })).toThrow(
      /absolute/,
    );
    expect(() => renderConfig({ ...base, rootfs: '/a/../b' })).toThrow(
      /'\.\.'/,
    );
    expect(() =>
      renderConfig({ ...base, environment: { A: ' padded' } }),
    ).toThrow(/whitespace/);
    expect(() =>
      renderConfig({ ...base, environment: { 'A=B': 'x' } }),
    ).toThrow(/invalid environment variable name/);
    expect(() => renderConfig({ ...base, uid: -1 })).toThrow(/uid/);
    expect(() =>
      renderConfig({ ...base, mounts: [{ source: '/a', target: '/' }] }),
    ).toThrow(/root/);
  });
});

describe('renderLimits', () => {
  it('uses cgroup2 keys on a unified host', () => {
    expect(
      renderLimits({ memoryBytes: 512 * 1024 * 1024, pids: 200, cpus: 1.5 }, 2),
    ).toEqual([
      'lxc.cgroup2.memory.max = 536870912',
      'lxc.cgroup2.pids.max = 200',
      'lxc.cgroup2.cpu.max = 150000 100000',
    ]);
  });

  it('uses legacy keys on a cgroup v1 / hybrid host', () => {
    expect(renderLimits({ memoryBytes: 1024, pids: 10, cpus: 0.5 }, 1)).toEqual(
      [
        'lxc.cgroup.memory.limit_in_bytes = 1024',
        'lxc.cgroup.pids.max = 10',
        'lxc.cgroup.cpu.cfs_period_us = 100000',
        'lxc.cgroup.cpu.cfs_quota_us = 50000',
      ],
    );
  });

  it('renders nothing without limits and keeps the kernel minimum quota', () => {
    expect(renderLimits({}, 2)).toEqual([]);
    expect(renderLimits({ cpus: 0.001 }, 2)).toEqual([
      'lxc.cgroup2.cpu.max = 1000 100000',
    ]);
  });

  it('refuses nonsensical limits', () => {
    expect(() => renderLimits({ memoryBytes: 0 }, 2)).toThrow(/memoryBytes/);
    expect(() => renderLimits({ pids: 1.5 }, 2)).toThrow(/pids/);
    expect(() => renderLimits({ cpus: Number.NaN }, 2)).toThrow(/cpus/);
  });
});

describe('escapeMountField', () => {
  it('octal-escapes what getmntent would split on', () => {
    expect(escapeMountField('/a b\tc\\d')).toBe('/a\\040b\\011c\\134d');
    expect(escapeMountField('/plain/path')).toBe('/plain/path');
  });
});
