export function imager(): string {
  return 'imager';
}
