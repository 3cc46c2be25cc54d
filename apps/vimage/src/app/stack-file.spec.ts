import { parseStackFile, StackFileError } from './stack-file';

const seed = `base_image_url: http://cdn.yougov.com/build/ubuntu_trusty_pamfix.tar.gz
base_image_name: ubuntu_trusty_pamfix
new_image_name: my_awesome_image_20141031
script_url: scripts/provision.sh
env:
  PATH: /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
`;

describe('parseStackFile', () => {
  it('reads the seed example; local paths are relative to the YAML folder', () => {
    const s = parseStackFile(seed, '/stacks/my_image.yaml');
    expect(s).toEqual({
      baseImageUrl: 'http://cdn.yougov.com/build/ubuntu_trusty_pamfix.tar.gz',
      baseImageName: 'ubuntu_trusty_pamfix',
      newImageName: 'my_awesome_image_20141031',
      scriptUrl: '/stacks/scripts/provision.sh',
      env: {
        PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
      },
      baseImageChecksum: undefined,
    });
  });

  it('keeps scalars as written: digests with leading zeros, numbers and yes/no in env', () => {
    const s = parseStackFile(
      `${seed}  PORT: 08080\n  DEBUG: yes\nbase_image_md5: 00000000000000000000000000000000\n`,
      'x.yaml',
    );
    expect(s.env).toMatchObject({ PORT: '08080', DEBUG: 'yes' });
    expect(s.baseImageChecksum).toEqual({
      algorithm: 'md5',
      hex: '0'.repeat(32),
    });
  });

  it('accepts a sha256 and an empty env', () => {
    const s = parseStackFile(
      seed.replace(/env:[\s\S]*/, 'env:\n') +
        `base_image_sha256: sha256:${'ab'.repeat(32)}\n`,
      'x.yaml',
    );
    expect(s.env).toEqual({});
    expect(s.baseImageChecksum?.algorithm).toBe('sha256');
  });

  it.each([
    [
      'unknown keys, named',
      `${seed}foo: 1\nscript: x\n`,
      /x\.yaml: unknown keys "foo", "script"/,
    ],
    [
      'missing keys, named',
      'base_image_url: x\n',
      /missing keys base_image_name, new_image_name, script_url/,
    ],
    ['bad YAML with position', 'base_image_url: [\n', /invalid YAML/],
    ['not a mapping', '- a\n- b\n', /expected a mapping/],
    [
      'an unsafe image name',
      seed.replace('my_awesome_image_20141031', '../evil'),
      /new_image_name: must be a file name/,
    ],
    ['a bad env name', `${seed}  1BAD: x\n`, /env/],
    ['a nested env value', `${seed}  X:\n    y: 1\n`, /env\.X/],
    [
      'a malformed md5',
      `${seed}base_image_md5: abc\n`,
      /base_image_md5: invalid checksum/,
    ],
    [
      'a sha256 in the md5 key',
      `${seed}base_image_md5: sha256:${'ab'.repeat(32)}\n`,
      /expected a md5 digest/,
    ],
    [
      'both checksums',
      `${seed}base_image_md5: ${'a'.repeat(32)}\nbase_image_sha256: ${'a'.repeat(64)}\n`,
      /only one of/,
    ],
    ['a duplicate key', `${seed}new_image_name: again\n`, /invalid YAML/],
  ])('rejects %s', (_what, text, msg) => {
    expect(() => parseStackFile(text, 'x.yaml')).toThrow(StackFileError);
    expect(() => parseStackFile(text, 'x.yaml')).toThrow(msg);
  });
});
