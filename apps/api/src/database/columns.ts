import type { ColumnOptions } from 'typeorm';

/** Timestamps are always set by the services (from one clock), never by column defaults. */
export function timestamptz(name: string, nullable = false): ColumnOptions {
  return { name, type: 'timestamptz', nullable };
}

/** PostgreSQL returns bigint as a string; sizes fit comfortably in a JS number. */
export const bigintAsNumber = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
