export * from './lib/config';
export * from './lib/errors';
export * from './lib/object-store';
