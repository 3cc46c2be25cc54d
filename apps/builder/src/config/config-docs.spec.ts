import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builderEnvSchema } from './builder.config';

describe('docs/configuration.md, builder section', () => {
  const doc = readFileSync(
    join(__dirname, '../../../../docs/configuration.md'),
    'utf8',
  );
  const section = doc.slice(
    doc.indexOf('## Builder'),
    doc.indexOf('## vimage'),
  );

  it.each(Object.keys(builderEnvSchema.shape))(
    'documents %s with its default',
    (name) => {
      const row = section
        .split('\n')
        .find((line) => new RegExp(`^\\|\\s*\`${name}\`\\s*\\|`).test(line));
      expect(row).toBeDefined();
      const field =
        builderEnvSchema.shape[name as keyof typeof builderEnvSchema.shape];
      const parsed = field.safeParse(undefined);
      if (parsed.success && parsed.data !== undefined) {
        expect(row?.split('|').map((cell) => cell.trim())[2]).toBe(
          `\`${String(parsed.data)}\``,
        );
      }
    },
  );
});
