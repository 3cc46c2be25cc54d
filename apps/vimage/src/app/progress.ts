import type { BuildPhase, BuildProgress } from '@velociraptor/imager';

const PHASE_TEXT: Record<BuildPhase, string> = {
  fetch: 'fetching base image',
  unpack: 'unpacking base image',
  script: 'running provisioning script',
  pack: 'packing image',
  cleanup: 'cleaning up',
};

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/**
 * Phase lines and transfer progress on stderr. On a TTY the progress is one
 * line redrawn in place (at most ~10 times a second), cleared before any other
 * output; otherwise only plain phase lines are written.
 */
export class ProgressReporter {
  private barShown = false;
  private lastDraw = 0;
  private phaseStart = Date.now();

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly log: (line: string) => void,
    private readonly tty = Boolean(out.isTTY),
  ) {}

  phase(p: BuildPhase): void {
    this.clear();
    this.phaseStart = Date.now();
    this.line(`vimage: ${PHASE_TEXT[p]}`);
  }

  line(text: string): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.log(text);
  }

  progress(p: BuildProgress): void {
    if (!this.tty || p.phase === 'unpack') return;
    const now = Date.now();
    if (
      now - this.lastDraw < 100 &&
      (p.total === undefined || p.bytes < p.total)
    )
      return;
    this.lastDraw = now;
    const secs = Math.max((now - this.phaseStart) / 1000, 0.001);
    const rate = `${formatBytes(p.bytes / secs)}/s`;
    const width = 30;
    let text: string;
    if (p.total) {
      const frac = Math.min(p.bytes / p.total, 1);
      const fill = Math.round(frac * width);
      text = `${p.phase.padEnd(5)} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(frac * 100).toFixed(0).padStart(3)}%  ${formatBytes(p.bytes)} / ${formatBytes(p.total)}  ${rate}`;
    } else {
      text = `${p.phase.padEnd(5)} ${formatBytes(p.bytes)}  ${rate}`;
    }
    this.out.write(`\r\x1b[2K${text}`);
    this.barShown = true;
  }

  clear(): void {
    if (this.barShown) {
      this.out.write('\r\x1b[2K');
      this.barShown = false;
    }
  }
}
