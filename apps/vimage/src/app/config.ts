import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';

/** The only place the CLI reads process.env. */
const schema = z.object({
  TERM: z.string().optional(),
  VIMAGE_CACHE_DIR: z.string().min(1).optional(),
  VIMAGE_WORK_ROOT: z.string().min(1).optional(),
  VIMAGE_LXC_PATH: z
    .string()
    .startsWith('/', 'must be an absolute path')
    .optional(),
  XDG_CACHE_HOME: z.string().optional(),
});

export interface CliConfig {
  term?: string;
  cacheDir: string;
  workRoot?: string;
  lxcPath?: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): CliConfig {
  const r = schema.safeParse(env);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(
      `invalid environment variable ${issue?.path.join('.')}: ${issue?.message}`,
    );
  }
  const e = r.data;
  return {
    term: e.TERM,
    cacheDir:
      e.VIMAGE_CACHE_DIR ??
      join(e.XDG_CACHE_HOME || join(homedir(), '.cache'), 'vimage'),
    workRoot: e.VIMAGE_WORK_ROOT,
    lxcPath: e.VIMAGE_LXC_PATH,
  };
}
