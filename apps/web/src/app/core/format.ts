import { formatBytes, formatDuration } from '@velociraptor/domain';

export { formatBytes };

const dateTime = new Intl.DateTimeFormat(undefined, {
  dateStyle: 'medium',
  timeStyle: 'short',
});
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : dateTime.format(date);
}

/** "3 minutes ago", "yesterday"… relative to `now`. */
export function formatRelative(
  iso: string | null | undefined,
  now = Date.now(),
): string {
  if (!iso) return '—';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return '—';
  const seconds = Math.round((then - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) return 'just now';
  if (abs < 3600) return relative.format(Math.round(seconds / 60), 'minute');
  if (abs < 86400) return relative.format(Math.round(seconds / 3600), 'hour');
  if (abs < 30 * 86400)
    return relative.format(Math.round(seconds / 86400), 'day');
  return formatDateTime(iso);
}

/** Elapsed time between two instants ("2m 5s"); `end` defaults to now for a running build. */
export function formatElapsed(
  start: string | null,
  end: string | null,
  now = Date.now(),
): string {
  if (!start) return '—';
  const from = new Date(start).getTime();
  const to = end ? new Date(end).getTime() : now;
  if (Number.isNaN(from) || Number.isNaN(to)) return '—';
  return formatDuration(Math.max(0, Math.round((to - from) / 1000)));
}

export function formatSize(bytes: number | null): string {
  return bytes === null ? '—' : formatBytes(bytes);
}
