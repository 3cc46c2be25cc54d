import { createAppSchema, updateAppSchema } from './app';

describe('app schemas', () => {
  it('fills defaults on create', () => {
    expect(
      createAppSchema.parse({
        name: 'web',
        repository: 'https://git.example.org/web.git',
      }),
    ).toEqual({
      name: 'web',
      repository: 'https://git.example.org/web.git',
      buildCommand: '',
      env: {},
    });
  });

  it('leaves absent fields absent on update, so they are not reset', () => {
    expect(updateAppSchema.parse({ name: 'web2' })).toEqual({ name: 'web2' });
    expect(updateAppSchema.parse({ stackId: null })).toEqual({ stackId: null });
  });

  it('rejects unknown fields and bad values on update', () => {
    expect(updateAppSchema.safeParse({ colour: 'red' }).success).toBe(false);
    expect(updateAppSchema.safeParse({ env: { '1X': 'y' } }).success).toBe(
      false,
    );
  });
});
