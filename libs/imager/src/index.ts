export * from './lib/imager';
