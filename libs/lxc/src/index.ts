export * from './lib/lxc';
