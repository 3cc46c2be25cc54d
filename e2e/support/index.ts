export * from './env';
export * from './processes';
export * from './api-client';
export * from './log-watcher';
export * from './system';
