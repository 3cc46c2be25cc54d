import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { configSchema } from './config.schema';

describe('docs/configuration.md', () => {
  const doc = readFileSync(
    join(__dirname, '../../../../docs/configuration.md'),
    'utf8',
  );

  it.each(Object.keys(configSchema.shape))(
    'documents %s with its default',
    (name) => {
      const row = doc
        .split('\n')
        .find((line) => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`).test(line));
      expect(row).toBeDefined();
      const field = configSchema.shape[name as keyof typeof configSchema.shape];
      const parsed = field.safeParse(undefined);
      if (parsed.success && parsed.data !== undefined) {
        const cells = row?.split('|').map((cell) => cell.trim());
        expect(cells?.[2]).toBe(`\`${String(parsed.data)}\``);
      }
    },
  );
});
