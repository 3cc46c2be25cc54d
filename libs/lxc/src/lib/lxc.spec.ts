import { LxcInputError } from './errors';
import { generateName, startFailure, validateRunOptions } from './lxc';

describe('startFailure', () => {
  it('summarises why lxc-execute could not start the container', () => {
    const log = [
      'lxc-execute vr-1 20261126014159.530 ERROR    start - ../src/lxc/start.c:do_start:1331 - No such file or directory - Could not change directory to "/nonexist"',
      'lxc-execute vr-1 20261126014159.531 ERROR    start - ../src/lxc/start.c:__lxc_start:2107 - Failed to spawn container "vr-1"',
      'lxc-execute vr-1 20261126014159.532 ERROR    lxc_execute - ../src/lxc/tools/lxc_execute.c:main:224 - Failed run an application inside container',
    ];
    expect(startFailure(log)).toEqual({
      summary:
        'No such file or directory - Could not change directory to "/nonexist"',
      lines: log,
    });
  });

  it('ignores logs of a container that ran', () => {
    expect(startFailure([])).toBeNull();
    expect(
      startFailure([
        'lxc-execute vr-1 2026 ERROR    utils - x.c:f:1 - something noisy',
      ]),
    ).toBeNull();
  });
});

describe('generateName', () => {
  it('makes unique valid names with the prefix', () => {
    const a = generateName();
    expect(a).toMatch(/^vr-\d+-[0-9a-f]{8}$/);
    expect(generateName()).not.toBe(a);
    expect(generateName('test-')).toMatch(/^test-/);
  });
});

describe('validateRunOptions', () => {
  const ok = { rootfs: '/srv/rootfs', command: ['/bin/true'] };

  it('accepts sensible options', () => {
    expect(() =>
      validateRunOptions(
        {
          ...ok,
          cwd: '/tmp',
          network: 'isolated',
          timeoutMs: 1000,
          env: { A: 'line\nbreak' },
        },
        ok.command,
      ),
    ).not.toThrow();
  });

  it.each([
    ['a relative cwd', { cwd: 'tmp' }, /cwd must be an absolute path/],
    ['an unknown network', { network: 'bridge' }, /network must be/],
    ['a zero timeout', { timeoutMs: 0 }, /timeoutMs/],
    ['a timeout setTimeout cannot wait', { timeoutMs: 2 ** 31 }, /timeoutMs/],
    [
      'an env name with =',
      { env: { 'A=B': 'x' } },
      /invalid environment variable name/,
    ],
    ['a NUL in an env value', { env: { A: 'x\0y' } }, /without NUL/],
    [
      'a relative bind source',
      { bindMounts: [{ source: 'x', target: '/x' }] },
      /bind mount source/,
    ],
    [
      'a bind onto the root',
      { bindMounts: [{ source: '/x', target: '/' }] },
      /container root/,
    ],
    [
      'a bind target with ..',
      { bindMounts: [{ source: '/x', target: '/a/../../etc' }] },
      /'\.\.'/,
    ],
  ])('refuses %s', (_what, extra, message) => {
    const opts = { ...ok, ...extra } as Parameters<
      typeof validateRunOptions
    >[0];
    expect(() => validateRunOptions(opts, ok.command)).toThrow(LxcInputError);
    expect(() => validateRunOptions(opts, ok.command)).toThrow(message);
  });

  it('refuses a command env(1) would take for an assignment', () => {
    expect(() => validateRunOptions(ok, ['A=1'])).toThrow(/'='/);
  });
});
