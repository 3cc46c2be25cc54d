/**
 * Live log delivery benchmark: how many lines per second a build can print
 * while 50 socket.io clients watch, and the delay from the container printing
 * a line to a client receiving it. Runs the real API + builder + Redis (the
 * e2e harness) on the Debian minbase fixture; a perl script stamps every line
 * with CLOCK_REALTIME in ms (same clock as the clients: same host).
 *
 *   scripts/services.sh start test
 *   npx nx run-many -t build -p api builder
 *   npx tsx --tsconfig e2e/tsconfig.json bench/log-delivery.bench.ts
 *
 * Env: BENCH_LINES (default 500000), BENCH_CLIENTS (50), BENCH_RATE (paced rate, 50000).
 */
import { statfsSync } from 'node:fs';
import { cpus } from 'node:os';
import {
  DEBIAN_IMAGE,
  TestSystem,
  connectSocket,
  type TypedSocket,
} from '../e2e/support';

const LINES = Number(process.env['BENCH_LINES'] ?? 500_000);
const CLIENTS = Number(process.env['BENCH_CLIENTS'] ?? 50);
const RATE = Number(process.env['BENCH_RATE'] ?? 50_000);
/** Every SAMPLE-th line's delay is measured (all lines are counted). */
const SAMPLE = 10;

// Prints $ENV{LINES} lines "L <n> <ms>"; with $ENV{RATE} > 0 paced to that many per second.
const SCRIPT = String.raw`#!/usr/bin/perl
use strict;
$| = 1;
my $buf = "\0" x 16;
sub now_ms { syscall(228, 0, $buf); my ($s, $ns) = unpack("q q", $buf); return $s * 1000 + int($ns / 1000000); }
my $n = $ENV{LINES}; my $rate = $ENV{RATE} || 0;
my $start = now_ms(); my $sent = 0;
while ($sent < $n) {
  my $due = $rate ? int((now_ms() - $start) * $rate / 1000) + 1 : $n;
  $due = $n if $due > $n;
  if ($due <= $sent) { select(undef, undef, undef, 0.001); next; }
  $due = $sent + 1000 if $due - $sent > 1000;
  my $t = now_ms(); my $chunk = '';
  for (my $i = $sent + 1; $i <= $due; $i++) { $chunk .= "L $i $t\n"; }
  print $chunk; $sent = $due;
}
`;

interface ClientStats {
  lines: number;
  numbered: number;
  gaps: number;
  duplicates: number;
  delays: number[];
  firstArrival: number;
  lastArrival: number;
}

function watch(socket: TypedSocket, imageId: string): Promise<ClientStats> {
  const stats: ClientStats = {
    lines: 0,
    numbered: 0,
    gaps: 0,
    duplicates: 0,
    delays: [],
    firstArrival: 0,
    lastArrival: 0,
  };
  let lastSeq = 0;
  return new Promise((resolve, reject) => {
    socket.on('log:lines', (p) => {
      if (p.imageId !== imageId) return;
      const now = Date.now();
      if (p.firstSeq <= lastSeq) stats.duplicates++;
      else if (p.firstSeq !== lastSeq + 1) stats.gaps++;
      lastSeq = Math.max(lastSeq, p.firstSeq + p.lines.length - 1);
      stats.lines += p.lines.length;
      for (let i = 0; i < p.lines.length; i++) {
        const line = p.lines[i];
        if (line.charCodeAt(0) !== 76 /* L */ || line.charCodeAt(1) !== 32)
          continue;
        stats.numbered++;
        if (!stats.firstArrival) stats.firstArrival = now;
        stats.lastArrival = now;
        if ((p.firstSeq + i) % SAMPLE === 0) {
          stats.delays.push(
            now - Number(line.slice(line.lastIndexOf(' ') + 1)),
          );
        }
      }
    });
    socket.on('log:end', (p) => {
      if (p.imageId === imageId) resolve(stats);
    });
    socket.emit('log:subscribe', { imageId, afterSeq: 0 }, (ack) => {
      if (!ack.ok) reject(new Error(ack.error));
    });
  });
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[
    Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))
  ];
}

/** Print rate inside the container, from the timestamps in the stored log. */
function printRate(log: string): {
  lines: number;
  seconds: number;
  perSecond: number;
} {
  let first = 0;
  let last = 0;
  let lines = 0;
  for (const line of log.split('\n')) {
    if (!line.startsWith('L ')) continue;
    const t = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (!first) first = t;
    last = t;
    lines++;
  }
  const seconds = Math.max(0.001, (last - first) / 1000);
  return { lines, seconds, perSecond: Math.round(lines / seconds) };
}

interface Result {
  scenario: string;
  watchers: number;
  printed: number;
  printPerSecond: number;
  deliveredPerClientPerSecond: number | null;
  lost: number;
  duplicates: number;
  p50: number | null;
  p99: number | null;
  max: number | null;
  buildSeconds: number;
}

async function scenario(
  system: TestSystem,
  name: string,
  watchers: number,
  rate: number,
): Promise<Result> {
  const stack = `bench-${name}`;
  await system.api.createStack({
    name: stack,
    baseImageUrl: DEBIAN_IMAGE,
    script: SCRIPT,
    env: { LINES: String(LINES), RATE: String(rate) },
    timeoutSeconds: 3600,
  });
  const sockets = await Promise.all(
    Array.from({ length: watchers }, () =>
      connectSocket(system.apis[0].url, system.token),
    ),
  );
  const queued = await system.api.build(stack);
  const t0 = Date.now();
  const stats = await Promise.all(sockets.map((s) => watch(s, queued.id)));
  const image = await system.api.waitForImage(queued.id);
  const buildSeconds = (Date.now() - t0) / 1000;
  for (const s of sockets) s.disconnect();
  if (image.status !== 'succeeded')
    throw new Error(`${name}: build ${image.status}: ${image.errorMessage}`);
  const printed = printRate(await system.api.log(image.id));
  const delays = stats.flatMap((s) => s.delays).sort((a, b) => a - b);
  const lost = stats.reduce((sum, s) => sum + (LINES - s.numbered), 0);
  const rates = stats.map(
    (s) =>
      s.numbered / Math.max(0.001, (s.lastArrival - s.firstArrival) / 1000),
  );
  return {
    scenario: name,
    watchers,
    printed: printed.lines,
    printPerSecond: printed.perSecond,
    deliveredPerClientPerSecond: watchers
      ? Math.round(Math.min(...rates))
      : null,
    lost,
    duplicates: stats.reduce((sum, s) => sum + s.duplicates + s.gaps, 0),
    p50: watchers ? percentile(delays, 50) : null,
    p99: watchers ? percentile(delays, 99) : null,
    max: watchers ? delays[delays.length - 1] : null,
    buildSeconds: Math.round(buildSeconds * 10) / 10,
  };
}

async function main(): Promise<void> {
  const system = await TestSystem.start({ apis: 1, builders: 1 });
  const results: Result[] = [];
  try {
    // Warm the base image cache so the first scenario is not penalised.
    results.push(await scenario(system, 'warmup', 0, 0));
    results.push(await scenario(system, 'baseline-max', 0, 0));
    results.push(await scenario(system, 'watched-max', CLIENTS, 0));
    results.push(await scenario(system, 'baseline-paced', 1, RATE));
    results.push(await scenario(system, 'watched-paced', CLIENTS, RATE));
  } finally {
    await system.stop();
  }
  const fs = statfsSync(system.runDir);
  console.log(
    `\nlog delivery: ${LINES} lines per build, ${CLIENTS} clients, paced rate ${RATE}/s; ${cpus().length} CPUs, fs type 0x${fs.type.toString(16)}\n`,
  );
  console.log(
    '| scenario | watchers | printed lines/s (in container) | delivered lines/s per client (slowest) | lost | dup/gap | p50 ms | p99 ms | max ms | build s |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results.filter((r) => r.scenario !== 'warmup')) {
    console.log(
      `| ${r.scenario} | ${r.watchers} | ${r.printPerSecond} | ${r.deliveredPerClientPerSecond ?? '-'} | ${r.lost} | ${r.duplicates} | ${r.p50 ?? '-'} | ${r.p99 ?? '-'} | ${r.max ?? '-'} | ${r.buildSeconds} |`,
    );
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
