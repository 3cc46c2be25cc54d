/**
 * Where the pipeline's overhead comes from, step by step, against the plain
 * shell commands (interleaved, repeated, medians):
 *   unpack: `zstd -dc | tar -x`  vs  ArchiveTool.unpack (zstd straight into `tar -x -vv`; node vets tar's listing)
 *   pack:   `tar -c | zstd -T0 > f`  vs  ArchiveTool.packToFile (zstd writes the file, node hashes it)
 *           vs  the compressed stream passed through node (write + md5 + sha256 in node)
 *
 *   npx tsx --tsconfig bench/tsconfig.json bench/unpack-pack.bench.ts [--runs 7] [--work-root DIR] [--fixture F]
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { execFileSync } from 'node:child_process';
import { ArchiveTool } from '@velociraptor/imager';

const TAR_KEEP = [
  '--numeric-owner',
  '--xattrs',
  '--xattrs-include=*',
  '--acls',
  '-p',
];

function sh(script: string, ...args: string[]): Promise<void> {
  return new Promise((res, rej) => {
    const p = spawn(
      'bash',
      ['-c', `set -euo pipefail; ${script}`, 'bench', ...args],
      { stdio: 'inherit' },
    );
    p.on('error', rej);
    p.on('close', (c) => (c === 0 ? res() : rej(new Error(`exit ${c}`))));
  });
}

async function throughNode(rootfs: string, out: string): Promise<void> {
  const tar = spawn('tar', ['-c', ...TAR_KEEP, '-f', '-', '-C', rootfs, '.'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const zstd = spawn('zstd', ['-3', '-T0', '-q', '-c'], {
    stdio: [tar.stdout, 'pipe', 'inherit'],
  });
  tar.stdout.destroy();
  const md5 = createHash('md5');
  const sha = createHash('sha256');
  const hash = new Transform({
    transform(chunk: Buffer, _e, cb) {
      md5.update(chunk);
      sha.update(chunk);
      cb(null, chunk);
    },
  });
  await pipeline(zstd.stdout, hash, createWriteStream(out));
  md5.digest('hex');
  sha.digest('hex');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2
    ? (s[m] as number)
    : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const arg = (name: string, def: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? (argv[i + 1] as string) : def;
  };
  const runs = Number(arg('--runs', '7'));
  const root = resolve(arg('--work-root', '/var/tmp/vimage-bench'));
  const fixture = resolve(
    arg('--fixture', '.state/fixtures/bookworm-minbase.tar.zst'),
  );
  if (!existsSync(fixture))
    throw new Error(
      `${fixture} missing: scripts/fixtures/make-base-images.sh debian`,
    );
  mkdirSync(root, { recursive: true });
  const fs = execFileSync('findmnt', [
    '-n',
    '-o',
    'FSTYPE,SOURCE',
    '--target',
    root,
  ])
    .toString()
    .trim();
  console.log(`work root ${root} on ${fs}; fixture ${fixture}`);
  const tool = new ArchiveTool();
  const t: Record<string, number[]> = {};
  const time = async (name: string, f: () => Promise<unknown>) => {
    const t0 = process.hrtime.bigint();
    await f();
    (t[name] ??= []).push(Number(process.hrtime.bigint() - t0) / 1e6);
  };
  const ref = join(root, 'ref-rootfs');
  rmSync(ref, { recursive: true, force: true });
  mkdirSync(ref);
  await tool.unpack(fixture, ref);
  for (let r = 0; r < runs; r++) {
    for (const v of r % 2 ? ['shell', 'pipeline'] : ['pipeline', 'shell']) {
      const d = join(root, `u-${v}`);
      rmSync(d, { recursive: true, force: true });
      mkdirSync(d);
      if (v === 'shell') {
        await time('unpack shell', () =>
          sh(
            'zstd -dc -q < "$1" | tar -x --numeric-owner --xattrs --xattrs-include="*" --acls -p -f - -C "$2"',
            fixture,
            d,
          ),
        );
      } else {
        await time('unpack pipeline', () => tool.unpack(fixture, d));
      }
      rmSync(d, { recursive: true, force: true });
    }
    const order = ['shell', 'pipeline', 'node-pass'];
    for (let k = 0; k < order.length; k++) {
      const v = order[(k + r) % order.length] as string;
      const out = join(root, `p-${v}.tar.zst`);
      rmSync(out, { force: true });
      if (v === 'shell')
        await time('pack shell', () =>
          sh(
            'tar -c --numeric-owner --xattrs --xattrs-include="*" --acls -p -f - -C "$1" . | zstd -3 -T0 -q > "$2"',
            ref,
            out,
          ),
        );
      else if (v === 'pipeline')
        await time('pack pipeline (zstd writes file, node hashes it)', () =>
          tool.packToFile(ref, out, { format: 'zstd' }),
        );
      else
        await time('pack through node (pipe -> hash -> write)', () =>
          throughNode(ref, out),
        );
      rmSync(out, { force: true });
    }
  }
  rmSync(ref, { recursive: true, force: true });
  for (const [k, v] of Object.entries(t))
    console.log(
      `${k.padEnd(50)} median ${(median(v) / 1000).toFixed(3)} s  (${v.map((x) => (x / 1000).toFixed(2)).join(' ')})`,
    );
  const m = (k: string) => median(t[k] as number[]);
  console.log(
    `unpack pipeline/shell = ${(m('unpack pipeline') / m('unpack shell')).toFixed(3)}`,
  );
  console.log(
    `pack pipeline/shell   = ${(m('pack pipeline (zstd writes file, node hashes it)') / m('pack shell')).toFixed(3)}`,
  );
  console.log(
    `pack node-pass/shell  = ${(m('pack through node (pipe -> hash -> write)') / m('pack shell')).toFixed(3)}`,
  );
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
