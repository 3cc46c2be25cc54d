import { PasswordHasher } from './password.service';

// Cheaper parameters keep the unit tests fast; the format and checks are the same.
const hasher = new PasswordHasher({ logN: 10, r: 8, p: 1 });

describe('PasswordHasher', () => {
  it('verifies the right password and rejects a wrong one', async () => {
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatch(/^scrypt\$10\$8\$1\$[\w-]+\$[\w-]+$/);
    await expect(hasher.verify('correct horse battery', stored)).resolves.toBe(
      true,
    );
    await expect(hasher.verify('correct horse batterY', stored)).resolves.toBe(
      false,
    );
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([
      hasher.hash('same password'),
      hasher.hash('same password'),
    ]);
    expect(a).not.toBe(b);
  });

  it('reads the parameters from the stored hash', async () => {
    const strong = new PasswordHasher();
    const stored = await strong.hash('a password of some length');
    expect(stored.startsWith('scrypt$15$8$1$')).toBe(true);
    await expect(
      hasher.verify('a password of some length', stored),
    ).resolves.toBe(true);
  });

  it.each([
    '',
    'plain',
    'scrypt$15$8$1$abc',
    'scrypt$40$8$1$c2FsdA$aGFzaA',
    'bcrypt$2b$10$abc',
  ])('treats the malformed hash %p as a mismatch', async (stored) => {
    await expect(hasher.verify('anything', stored)).resolves.toBe(false);
  });

  it('normalises unicode so the same visible password matches', async () => {
    const stored = await hasher.hash('caf\u00e9 password');
    await expect(hasher.verify('cafe\u0301 password', stored)).resolves.toBe(
      true,
    );
  });
});
