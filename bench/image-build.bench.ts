/**
 * Image build benchmark: the same stack built by
 *   (a) the pipeline (@velociraptor/imager buildImage, zstd),
 *   (b) a hand-written shell pipeline (tar -x; lxc-execute; tar -c | zstd -T0 > out),
 *   (c) Python tarfile + gzip (extract, the same lxc-execute, tarfile "w:gz" pack),
 *       which is what the original vr.imager did,
 * interleaved in one run, repeated, reporting medians and ratios.
 *
 * Run as root from the repo root:
 *   npx tsx bench/image-build.bench.ts [--runs 5] [--work-root /var/tmp] [--fixture path.tar.zst] [--skip-python]
 *
 * Base image: the Debian bookworm minbase fixture (scripts/fixtures/make-base-images.sh debian).
 * Script: writes ~50 MiB (25 MiB random, 25 MiB of text) and touches some files.
 */
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { renderConfig } from '@velociraptor/lxc';
import { buildImage, createDefaultDeps } from '@velociraptor/imager';

const SCRIPT = `#!/bin/sh
set -e
mkdir -p /opt/bench
head -c 25M /dev/urandom > /opt/bench/random.bin
i=0; while [ $i -lt 200 ]; do echo "line $i of a provisioning log that compresses well"; i=$((i+1)); done > /tmp/chunk
: > /opt/bench/text.log
while [ $(stat -c %s /opt/bench/text.log) -lt 26214400 ]; do cat /tmp/chunk /tmp/chunk /tmp/chunk /tmp/chunk >> /opt/bench/text.log; done
rm /tmp/chunk
touch /etc/hostname /etc/motd /usr/bin/env /var/lib/dpkg/status
chmod 4755 /opt/bench/random.bin
echo provisioned
`;

const SHELL = `set -euo pipefail
base=$1 work=$2 out=$3 lxcpath=$4 name=$5 conf=$6 script=$7
t0=$(date +%s%N)
mkdir -p "$work/rootfs"
zstd -dc -q < "$base" | tar -x --numeric-owner --xattrs --xattrs-include='*' --acls -p -f - -C "$work/rootfs"
t1=$(date +%s%N)
cp "$script" "$work/rootfs/.bench-script"
lxc-execute -P "$lxcpath" -n "$name" -f "$conf" -- /.bench-script > /dev/null
rm "$work/rootfs/.bench-script"
t2=$(date +%s%N)
tar -c --numeric-owner --xattrs --xattrs-include='*' --acls -p -f - -C "$work/rootfs" . | zstd -3 -T0 -q > "$out"
t3=$(date +%s%N)
rm -rf --one-file-system "$work"
t4=$(date +%s%N)
ms() { echo $(( ($2 - $1) / 1000000 )); }
echo "{\\"unpack\\":$(ms $t0 $t1),\\"script\\":$(ms $t1 $t2),\\"pack\\":$(ms $t2 $t3),\\"cleanup\\":$(ms $t3 $t4)}"
`;

const PYTHON = `
import os, shutil, subprocess, sys, tarfile
base, work, out, lxcpath, name, conf, script = sys.argv[1:8]
rootfs = os.path.join(work, "rootfs")
os.makedirs(rootfs)
with tarfile.open(base, "r:gz") as t:
    t.extractall(rootfs, numeric_owner=True)
shutil.copy(script, os.path.join(rootfs, ".bench-script"))
subprocess.run(["lxc-execute", "-P", lxcpath, "-n", name, "-f", conf, "--", "/.bench-script"], check=True, stdout=subprocess.DEVNULL)
os.unlink(os.path.join(rootfs, ".bench-script"))
with tarfile.open(out, "w:gz") as t:
    t.add(rootfs, arcname=".")
shutil.rmtree(work)
`;

interface Args {
  runs: number;
  workRoot: string;
  fixture: string;
  python: boolean;
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    runs: 5,
    workRoot: '/var/tmp/vimage-bench',
    fixture: resolve('.state/fixtures/bookworm-minbase.tar.zst'),
    python: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const v = argv[i + 1];
    switch (argv[i]) {
      case '--runs':
        a.runs = Number(v);
        i++;
        break;
      case '--work-root':
        a.workRoot = resolve(v ?? '');
        i++;
        break;
      case '--fixture':
        a.fixture = resolve(v ?? '');
        i++;
        break;
      case '--skip-python':
        a.python = false;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return a;
}

/** Runs a command; resolves with what it printed on stdout. */
function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((res, rej) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    p.on('error', rej);
    p.on('close', (code) =>
      code === 0 ? res(out) : rej(new Error(`${cmd} exited with ${code}`)),
    );
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2
    ? (s[m] as number)
    : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.fixture)) {
    execFileSync('scripts/fixtures/make-base-images.sh', ['debian'], {
      stdio: 'inherit',
    });
  }
  mkdirSync(args.workRoot, { recursive: true });
  const fs = execFileSync('findmnt', [
    '-n',
    '-o',
    'FSTYPE,SOURCE,OPTIONS',
    '--target',
    args.workRoot,
  ])
    .toString()
    .trim();
  const cpus = execFileSync('nproc').toString().trim();
  const cpuModel =
    /model name\s*:\s*(.*)/.exec(
      execFileSync('cat', ['/proc/cpuinfo']).toString(),
    )?.[1] ?? '?';
  console.log(`work root ${args.workRoot} on ${fs}`);
  console.log(`machine: ${cpus} vCPU ${cpuModel}, node ${process.version}`);

  const scriptPath = join(args.workRoot, 'script.sh');
  writeFileSync(scriptPath, SCRIPT, { mode: 0o755 });
  const gzBase = join(args.workRoot, 'base.tar.gz');
  if (!existsSync(gzBase) && args.python) {
    // The original tool took .tar.gz base images; convert once, outside the timings.
    execFileSync('sh', [
      '-c',
      'zstd -dc -q < "$1" | gzip -6 > "$2"',
      'sh',
      args.fixture,
      gzBase,
    ]);
  }
  const lxcPath = join(args.workRoot, 'lxc');
  mkdirSync(lxcPath, { recursive: true });
  const cgroupVersion = existsSync('/sys/fs/cgroup/cgroup.controllers') ? 2 : 1;
  const deps = createDefaultDeps({ cacheDir: join(args.workRoot, 'cache') });

  /** The hand-written variants: the same container config, then their own unpack/run/pack. */
  const byHand = async (
    i: number,
    tag: string,
    extension: string,
    build: (
      work: string,
      out: string,
      name: string,
      conf: string,
    ) => Promise<unknown>,
  ): Promise<string> => {
    const out = join(args.workRoot, `out-${tag}-${i}.${extension}`);
    const name = `bench-${tag}-${process.pid}-${i}`;
    const work = join(args.workRoot, `work-${tag}-${i}`);
    const conf = join(args.workRoot, `${name}.conf`);
    writeFileSync(
      conf,
      renderConfig({
        name,
        rootfs: join(work, 'rootfs'),
        network: 'host',
        cgroupVersion,
      }),
    );
    await build(work, out, name, conf);
    rmSync(conf);
    return out;
  };

  const variants: Record<string, (i: number) => Promise<string>> = {
    pipeline: async (i) => {
      const out = join(args.workRoot, `out-pipeline-${i}.tar.zst`);
      const result = await buildImage(
        {
          baseImageUrl: args.fixture,
          script: { url: scriptPath },
          destination: { kind: 'file', path: out },
          format: 'zstd',
          workRoot: args.workRoot,
          onLine: () => undefined,
        },
        deps,
      );
      console.log(
        `  pipeline phases (ms): ${JSON.stringify(result.durationsMs)}`,
      );
      return out;
    },
    shell: (i) =>
      byHand(i, 'sh', 'tar.zst', async (work, out, name, conf) => {
        const phases = await run('bash', [
          '-c',
          SHELL,
          'bench',
          args.fixture,
          work,
          out,
          lxcPath,
          name,
          conf,
          scriptPath,
        ]);
        console.log(`  shell phases (ms):    ${phases.trim()}`);
      }),
    python: (i) =>
      byHand(i, 'py', 'tar.gz', (work, out, name, conf) =>
        run('python3', [
          '-c',
          PYTHON,
          gzBase,
          work,
          out,
          lxcPath,
          name,
          conf,
          scriptPath,
        ]),
      ),
  };
  const names = Object.keys(variants).filter(
    (n) => n !== 'python' || args.python,
  );
  const times: Record<string, number[]> = Object.fromEntries(
    names.map((n) => [n, []]),
  );
  const sizes: Record<string, number> = {};
  for (let r = 0; r < args.runs; r++) {
    // Rotate the order so no variant always runs right after another's rm -rf.
    const order = names.map((_, k) => names[(k + r) % names.length] as string);
    for (const n of order) {
      const t0 = process.hrtime.bigint();
      const out = await (variants[n] as (i: number) => Promise<string>)(r);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      (times[n] as number[]).push(ms);
      sizes[n] = statSync(out).size;
      rmSync(out);
      console.log(
        `run ${r + 1}/${args.runs} ${n.padEnd(8)} ${(ms / 1000).toFixed(2)} s`,
      );
    }
  }
  const med = Object.fromEntries(
    names.map((n) => [n, median(times[n] as number[])]),
  );
  console.log('\nmedian seconds (output size):');
  for (const n of names) {
    console.log(
      `  ${n.padEnd(8)} ${((med[n] as number) / 1000).toFixed(2)} s  (${((sizes[n] ?? 0) / 1e6).toFixed(1)} MB)`,
    );
  }
  const pipe = med['pipeline'] as number;
  console.log(
    `pipeline / shell  = ${(pipe / (med['shell'] as number)).toFixed(3)}  (target <= 1.10)`,
  );
  if (args.python)
    console.log(
      `python / pipeline = ${((med['python'] as number) / pipe).toFixed(2)}  (target >= 7)`,
    );
  console.log(
    JSON.stringify({
      date: new Date().toISOString(),
      fs,
      cpus,
      runs: args.runs,
      medianMs: med,
      sizes,
    }),
  );
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
