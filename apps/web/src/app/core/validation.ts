import type { z } from 'zod';

export type FieldErrors = Record<string, string>;

/**
 * Validates with the same domain schema the API uses and returns messages keyed by dotted
 * path, the same keys the API puts in `ErrorResponse.fields`.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { ok: true; data: z.output<S> } | { ok: false; fields: FieldErrors } {
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, data: result.data };
  const fields: FieldErrors = {};
  for (const issue of result.error.issues) {
    const key = issue.path.map(String).join('.') || '_';
    // A bad record key (e.g. an env name) reports "Invalid key in record"; the key's own rule says more.
    const nested =
      issue.code === 'invalid_key' ? issue.issues[0]?.message : undefined;
    fields[key] ??= nested ?? issue.message;
  }
  return { ok: false, fields };
}

/** Messages for one field: its own key, or any key under it (`env` covers `env.FOO`). */
export function errorsUnder(fields: FieldErrors, prefix: string): string[] {
  return Object.entries(fields)
    .filter(([key]) => key === prefix || key.startsWith(prefix + '.'))
    .map(([key, message]) =>
      key === prefix ? message : `${key.slice(prefix.length + 1)}: ${message}`,
    );
}
