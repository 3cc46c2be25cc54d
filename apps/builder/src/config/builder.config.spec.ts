import { ConfigError, loadBuilderConfig } from './builder.config';

const base = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY: 'a',
  S3_SECRET_KEY: 'b',
};

describe('loadBuilderConfig', () => {
  it('applies defaults', () => {
    const c = loadBuilderConfig(base);
    expect(c.concurrency).toBe(1);
    expect(c.s3.bucket).toBe('velociraptor');
    expect(c.keepFailedWorkDirs).toBe(false);
    expect(c.builderId).toMatch(new RegExp(`-${process.pid}$`));
  });
  it('parses numbers and booleans', () => {
    const c = loadBuilderConfig({
      ...base,
      BUILDER_CONCURRENCY: '3',
      KEEP_FAILED_WORK_DIRS: 'true',
      BUILDER_ID: 'b1',
      BUILDER_WORK_DIR: '/tmp/w',
    });
    expect(c).toMatchObject({
      concurrency: 3,
      keepFailedWorkDirs: true,
      builderId: 'b1',
      workDir: '/tmp/w',
    });
  });
  it('names every bad variable', () => {
    expect(() =>
      loadBuilderConfig({
        ...base,
        REDIS_URL: 'localhost',
        BUILDER_CONCURRENCY: 'many',
        BUILDER_WORK_DIR: 'relative',
      }),
    ).toThrow(
      /REDIS_URL: must be a redis:\/\/.*\n.*BUILDER_CONCURRENCY: must be a number.*\n.*BUILDER_WORK_DIR: must be an absolute path/s,
    );
  });
  it('requires the S3 credentials', () => {
    expect(() => loadBuilderConfig({ REDIS_URL: base.REDIS_URL })).toThrow(
      ConfigError,
    );
  });
});
