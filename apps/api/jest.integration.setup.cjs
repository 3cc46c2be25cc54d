// Integration tests talk to the real PostgreSQL, Redis and S3 started by
// `scripts/services.sh start test`; pick up their settings unless the
// environment already provides them (e.g. in CI).
const { existsSync, readFileSync } = require('node:fs');
const { join } = require('node:path');

const file = join(__dirname, '../../.state/test/services.env');
if (!process.env.DATABASE_URL && existsSync(file)) {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m && process.env[m[1]] === undefined) process.env[m[1]] = m[2];
  }
}
