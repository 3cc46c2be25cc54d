export function lxc(): string {
  return 'lxc';
}
