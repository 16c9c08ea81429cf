// Import boundaries the architecture depends on (ARCHITECTURE.md §5, §6), as ESLint flat
// config objects: used by eslint.config.js, and by the test that proves they bite
// (test/lint/boundaries.test.ts).

const OUTSIDE =
  'the emulators share no code with the product: they meet its adapters over HTTP only. Use src/emulators/emulator-runtime.ts for clock and logger types.';

export const emulatorBoundaries = [
  {
    // One folder down (src/emulators/<emulator>/...): `../../` leaves src/emulators.
    files: ['src/emulators/*/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: '^\\.\\./\\.\\./(?!emulators/|\\.\\./)', message: OUTSIDE },
            { regex: '^(\\.\\./){3,}', message: OUTSIDE },
          ],
        },
      ],
    },
  },
  {
    files: ['src/emulators/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^\\.\\./(?!emulators/)', message: OUTSIDE }] },
      ],
    },
  },
  {
    // The product reaches an emulator only to start one: the sandbox wiring and `jit emulate`.
    files: ['src/**/*.ts'],
    ignores: [
      '**/*.test.ts',
      'src/emulators/**',
      'src/sandbox/**',
      'src/cli/emulate-command.ts',
      'src/core/**',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)emulators/',
              message:
                'only src/sandbox/ and the CLI’s emulate command start emulators; the rest of the product talks to real services through its adapters.',
            },
          ],
        },
      ],
    },
  },
];
