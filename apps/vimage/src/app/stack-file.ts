import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import {
  isHttpUrl,
  localPath,
  parseChecksum,
  type Checksum,
} from '@velociraptor/imager';
import { parseDocument } from 'yaml';
import { z } from 'zod';

/** A problem with the stack file; the message is one line naming the file. */
export class StackFileError extends Error {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'StackFileError';
  }
}

const KEYS = [
  'base_image_url',
  'base_image_name',
  'new_image_name',
  'script_url',
  'env',
  'base_image_md5',
  'base_image_sha256',
] as const;

const scalar = z.string();

const schema = z.object({
  base_image_url: z.string().min(1),
  base_image_name: z.string().min(1),
  // Used as NAME.log / NAME.tar.* in the current folder.
  new_image_name: z
    .string()
    .regex(
      /^[A-Za-z0-9_][A-Za-z0-9._-]*$/,
      'must be a file name of letters, digits, ".", "_" and "-"',
    )
    .max(200),
  script_url: z.string().min(1),
  // "env:" with nothing after it is an empty string under the failsafe schema.
  env: z.unknown().optional(),
  base_image_md5: scalar.optional(),
  base_image_sha256: scalar.optional(),
});

export interface StackFile {
  /** http(s) URL or absolute local path. */
  baseImageUrl: string;
  baseImageName: string;
  newImageName: string;
  scriptUrl: string;
  env: Record<string, string>;
  baseImageChecksum?: Checksum;
}

function parseEnv(file: string, raw: unknown): Record<string, string> {
  if (raw === undefined || raw === null || raw === '') return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new StackFileError(file, 'env: must be a mapping of NAME: value');
  }
  const env: Record<string, string> = {};
  for (const [k, value] of Object.entries(raw)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) {
      throw new StackFileError(
        file,
        `env: "${k}" is not a valid variable name`,
      );
    }
    if (typeof value !== 'string')
      throw new StackFileError(file, `env.${k}: must be a single value`);
    env[k] = value;
  }
  return env;
}

function resolveUrl(value: string, baseDir: string): string {
  return isHttpUrl(value) ? value : localPath(value, baseDir);
}

/** Parses and validates a stack YAML; local "_url" values are relative to the file's folder. */
export function parseStackFile(text: string, file: string): StackFile {
  // failsafe: every scalar stays the string that was written (a digest like
  // 0123... must not become a number, "yes" must not become true).
  const doc = parseDocument(text, {
    prettyErrors: false,
    uniqueKeys: true,
    schema: 'failsafe',
  });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    throw new StackFileError(
      file,
      `invalid YAML${pos ? ` at line ${pos.line}, column ${pos.col}` : ''}: ${yamlError.message.split('\n')[0]}`,
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new StackFileError(
      file,
      'expected a mapping of keys (base_image_url, new_image_name, ...)',
    );
  }
  const unknown = Object.keys(data).filter(
    (k) => !(KEYS as readonly string[]).includes(k),
  );
  if (unknown.length > 0) {
    throw new StackFileError(
      file,
      `unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `"${k}"`).join(', ')} (allowed: ${KEYS.join(', ')})`,
    );
  }
  const missing = [
    'base_image_url',
    'base_image_name',
    'new_image_name',
    'script_url',
  ].filter((k) => (data as Record<string, unknown>)[k] === undefined);
  if (missing.length > 0) {
    throw new StackFileError(
      file,
      `missing key${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  }
  const r = schema.safeParse(data);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new StackFileError(
      file,
      `${issue?.path.join('.') || 'file'}: ${issue?.message ?? 'invalid'}`,
    );
  }
  const v = r.data;
  const env = parseEnv(file, v.env);
  if (v.base_image_md5 !== undefined && v.base_image_sha256 !== undefined) {
    throw new StackFileError(
      file,
      'give only one of base_image_md5 and base_image_sha256',
    );
  }
  let baseImageChecksum: Checksum | undefined;
  for (const [key, algorithm] of [
    ['base_image_md5', 'md5'],
    ['base_image_sha256', 'sha256'],
  ] as const) {
    const value = v[key];
    if (value === undefined) continue;
    try {
      const c = parseChecksum(
        value.includes(':') ? value : `${algorithm}:${value}`,
      );
      if (c.algorithm !== algorithm)
        throw new Error(`expected a ${algorithm} digest`);
      baseImageChecksum = c;
    } catch (err) {
      throw new StackFileError(file, `${key}: ${(err as Error).message}`);
    }
  }
  const baseDir = dirname(resolve(file));
  return {
    baseImageUrl: resolveUrl(v.base_image_url, baseDir),
    baseImageName: v.base_image_name,
    newImageName: v.new_image_name,
    scriptUrl: resolveUrl(v.script_url, baseDir),
    env,
    baseImageChecksum,
  };
}

export async function loadStackFile(file: string): Promise<StackFile> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StackFileError(
      file,
      code === 'ENOENT'
        ? 'no such file'
        : `cannot read (${code ?? String(err)})`,
    );
  }
  return parseStackFile(text, file);
}
