import { generateName, startFailure } from './lxc';

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
