import { Inject, Injectable, Logger } from '@nestjs/common';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { BUILDER_CONFIG, type BuilderConfig } from '../config/builder.config';

const execFileAsync = promisify(execFile);
const OWNER_FILE = '.owner.json';

interface Owner {
  pid: number;
  builderId: string;
  imageId: string;
  startedAt: string;
}

/**
 * One scratch folder per build under BUILDER_WORK_DIR, with an owner record so
 * a builder starting later (several may share a host) removes only the folders
 * of builders that are gone.
 */
@Injectable()
export class WorkDirs {
  private readonly logger = new Logger(WorkDirs.name);

  constructor(@Inject(BUILDER_CONFIG) private readonly config: BuilderConfig) {}

  pathFor(imageId: string): string {
    return join(this.config.workDir, imageId);
  }

  async create(imageId: string): Promise<string> {
    const dir = this.pathFor(imageId);
    // A folder from an earlier attempt at the same image is stale by definition.
    await this.remove(dir);
    await mkdir(dir, { recursive: true });
    const owner: Owner = {
      pid: process.pid,
      builderId: this.config.builderId,
      imageId,
      startedAt: new Date().toISOString(),
    };
    await writeFile(join(dir, OWNER_FILE), JSON.stringify(owner));
    return dir;
  }

  /** Unmounts anything left mounted below `dir`, then deletes it. */
  async remove(dir: string): Promise<void> {
    for (const mount of (await mountsUnder(dir)).reverse()) {
      await execFileAsync('umount', ['-l', mount]).catch((err: unknown) =>
        this.logger.warn(`cannot unmount ${mount}: ${String(err)}`),
      );
    }
    await rm(dir, { recursive: true, force: true });
  }

  /** Removes folders whose owner process is gone; returns their paths. */
  async cleanupStale(): Promise<string[]> {
    await mkdir(this.config.workDir, { recursive: true });
    const removed: string[] = [];
    for (const entry of await readdir(this.config.workDir, {
      withFileTypes: true,
    })) {
      if (!entry.isDirectory()) continue;
      const dir = join(this.config.workDir, entry.name);
      const owner = await readOwner(dir);
      if (owner && owner.pid !== process.pid && isAlive(owner.pid)) continue;
      this.logger.log(`removing work folder left by a stopped builder: ${dir}`);
      await this.remove(dir);
      removed.push(dir);
    }
    return removed;
  }
}

async function readOwner(dir: string): Promise<Owner | null> {
  try {
    return JSON.parse(await readFile(join(dir, OWNER_FILE), 'utf8')) as Owner;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Mount points at or below `dir`, shallowest first (from /proc/self/mountinfo). */
async function mountsUnder(dir: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile('/proc/self/mountinfo', 'utf8');
  } catch {
    return [];
  }
  const prefix = dir.endsWith('/') ? dir : dir + '/';
  const points = text
    .split('\n')
    .map((line) => line.split(' ')[4])
    .filter((p): p is string => Boolean(p))
    .map((p) =>
      p.replace(/\\([0-7]{3})/g, (_, o: string) =>
        String.fromCharCode(parseInt(o, 8)),
      ),
    )
    .filter((p) => p === dir || p.startsWith(prefix));
  return [...new Set(points)].sort((a, b) => a.length - b.length);
}
