import { ConfigError, parseConfig, parseDatabaseConfig } from './app-config';

const minimal = {
  DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
  REDIS_URL: 'redis://127.0.0.1:6379',
  S3_ENDPOINT: 'http://127.0.0.1:9000',
  S3_ACCESS_KEY: 'access',
  S3_SECRET_KEY: 'secret',
};

function errorOf(env: Record<string, string | undefined>): string {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('fills every default', () => {
    const config = parseConfig(minimal);
    expect(config).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      s3: { bucket: 'velociraptor', region: 'us-east-1' },
      admin: { username: 'admin', password: undefined },
      sessionTtlHours: 168,
      loginMaxFailures: 5,
      webDistDir: undefined,
      logMaxBytes: 67108864,
      imageRetention: 10,
      builderHeartbeatTimeoutSeconds: 60,
      trustProxy: false,
    });
  });

  it('coerces numbers and booleans', () => {
    const config = parseConfig({
      ...minimal,
      PORT: '9000',
      TRUST_PROXY: 'true',
      LOGIN_MAX_FAILURES: '3',
    });
    expect(config.port).toBe(9000);
    expect(config.trustProxy).toBe(true);
    expect(config.loginMaxFailures).toBe(3);
  });

  it('treats empty values as unset', () => {
    expect(
      parseConfig({ ...minimal, PORT: '', ADMIN_PASSWORD: '' }),
    ).toMatchObject({
      port: 8080,
      admin: { password: undefined },
    });
  });

  it.each([
    ['DATABASE_URL', { ...minimal, DATABASE_URL: undefined }, 'is required'],
    [
      'DATABASE_URL',
      { ...minimal, DATABASE_URL: 'mysql://x/y' },
      'postgres://',
    ],
    ['REDIS_URL', { ...minimal, REDIS_URL: 'not a url' }, 'redis://'],
    ['S3_SECRET_KEY', { ...minimal, S3_SECRET_KEY: undefined }, 'is required'],
    ['PORT', { ...minimal, PORT: 'eighty' }, 'port number'],
    ['PORT', { ...minimal, PORT: '70000' }, 'port number'],
    ['TRUST_PROXY', { ...minimal, TRUST_PROXY: 'maybe' }, 'true or false'],
    [
      'SESSION_TTL_HOURS',
      { ...minimal, SESSION_TTL_HOURS: '0' },
      'greater than 0',
    ],
    [
      'ADMIN_PASSWORD',
      { ...minimal, ADMIN_PASSWORD: 'short' },
      '12 characters',
    ],
    ['S3_BUCKET', { ...minimal, S3_BUCKET: 'Bad_Bucket' }, 'bucket name'],
  ])(
    'rejects a bad %s with a one-line message naming it',
    (name, env, hint) => {
      const message = errorOf(env);
      expect(message).toContain(name);
      expect(message).toContain(hint);
      expect(message).not.toContain('\n');
    },
  );

  it('needs only DATABASE_URL for migrations', () => {
    expect(parseDatabaseConfig({ DATABASE_URL: minimal.DATABASE_URL })).toEqual(
      {
        databaseUrl: minimal.DATABASE_URL,
      },
    );
    expect(() => parseDatabaseConfig({})).toThrow(/DATABASE_URL is required/);
  });
});
