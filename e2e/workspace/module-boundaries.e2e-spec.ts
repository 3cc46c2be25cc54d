import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

/**
 * The allowed arrows between projects are Nx tags in eslint.config.mjs. This writes probe
 * files into the projects, lints them with the workspace's ESLint exactly as `nx lint` does,
 * and removes them again.
 */
const root = join(__dirname, '..', '..');

const probes = [
  {
    file: 'apps/web/src/app',
    from: '@velociraptor/lxc',
    symbol: 'Lxc',
    allowed: false,
  },
  {
    file: 'libs/domain/src',
    from: '@velociraptor/lxc',
    symbol: 'Lxc',
    allowed: false,
  },
  {
    file: 'libs/lxc/src',
    from: '@velociraptor/imager',
    symbol: 'buildImage',
    allowed: false,
  },
  {
    file: 'apps/api/src',
    from: '@velociraptor/lxc',
    symbol: 'Lxc',
    allowed: false,
  },
  {
    file: 'libs/domain/src',
    from: '@nestjs/common',
    symbol: 'Injectable',
    allowed: false,
  },
  {
    file: 'apps/web/src/app',
    from: '@velociraptor/domain',
    symbol: 'slugSchema',
    allowed: true,
  },
  {
    file: 'libs/lxc/src',
    from: '@velociraptor/domain',
    symbol: 'slugSchema',
    allowed: true,
  },
  {
    file: 'apps/builder/src',
    from: '@velociraptor/lxc',
    symbol: 'Lxc',
    allowed: true,
  },
].map((probe, i) => ({
  ...probe,
  path: join(root, probe.file, `boundary-probe-${process.pid}-${i}.ts`),
}));

interface EslintResult {
  filePath: string;
  messages: { ruleId: string | null; message: string }[];
}

let results: EslintResult[] = [];

beforeAll(async () => {
  try {
    for (const p of probes) {
      writeFileSync(
        p.path,
        `import { ${p.symbol} } from '${p.from}';\nexport const probe = ${p.symbol};\n`,
      );
    }
    const lint = await promisify(execFile)(
      join(root, 'node_modules/.bin/eslint'),
      ['--format', 'json', ...probes.map((p) => p.path)],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    results = JSON.parse(lint.stdout) as EslintResult[];
  } finally {
    for (const p of probes) rmSync(p.path, { force: true });
  }
}, 300_000);

describe('module boundaries', () => {
  it.each(
    probes.map(
      (p) => [p.allowed ? 'allows' : 'refuses', p.from, p.file, p] as const,
    ),
  )('%s importing %s in %s', (_verb, _from, _file, probe) => {
    const result = results.find((r) => r.filePath === probe.path);
    expect(result).toBeDefined();
    const boundaryErrors = (result?.messages ?? []).filter(
      (m) => m.ruleId === '@nx/enforce-module-boundaries',
    );
    if (probe.allowed) expect(boundaryErrors).toEqual([]);
    else expect(boundaryErrors).not.toEqual([]);
  });
});
