import nx from '@nx/eslint-plugin';

export default [
  ...nx.configs['flat/base'],
  ...nx.configs['flat/typescript'],
  ...nx.configs['flat/javascript'],
  {
    ignores: ['**/dist', '**/out-tsc', '**/.state', '**/tmp', '**/.angular'],
  },
  {
    files: ['**/*.ts', '**/*.tsx', '**/*.js', '**/*.jsx'],
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: true,
          allow: ['^.*/eslint(\\.base)?\\.config\\.[cm]?[jt]s$'],
          depConstraints: [
            { sourceTag: 'scope:domain', onlyDependOnLibsWithTags: ['scope:domain'], bannedExternalImports: ['@nestjs/*', '@angular/*', 'typeorm', 'bull', 'minio', 'socket.io*', 'rxjs'] },
            { sourceTag: 'scope:lxc', onlyDependOnLibsWithTags: ['scope:domain'] },
            { sourceTag: 'scope:storage', onlyDependOnLibsWithTags: ['scope:domain'] },
            { sourceTag: 'scope:imager', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lxc', 'scope:storage'] },
            { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:domain', 'scope:storage'] },
            { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:domain'] },
            { sourceTag: 'scope:builder', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lxc', 'scope:storage', 'scope:imager'] },
            { sourceTag: 'scope:cli', onlyDependOnLibsWithTags: ['scope:domain', 'scope:lxc', 'scope:imager'] },
            { sourceTag: 'scope:e2e', onlyDependOnLibsWithTags: ['scope:domain'] },
          ],
        },
      ],
    },
  },
  {
    files: [
      '**/*.ts',
      '**/*.tsx',
      '**/*.cts',
      '**/*.mts',
      '**/*.js',
      '**/*.jsx',
      '**/*.cjs',
      '**/*.mjs',
    ],
    // Override or add rules here
    rules: {},
  },
];
