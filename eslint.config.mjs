// Type-aware lint (typescript-eslint with the type checker: recommendedTypeChecked). The rules
// that matter most here are the promise ones: grpc-js only catches synchronous throws, so an
// unobserved rejected promise in a handler or an event callback is a silent failure (the adapter
// in agent/daemon/server/adapter.ts guards it by hand; these rules guard everything else).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // agent/shared/api is generated (npm run gen:api): its shape is proto-loader-gen-types' business.
  { ignores: ['dist/**', 'node_modules/**', '.tap/**', 'coverage/**', 'agent/shared/api/**', '.cache/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
      // Modules are loaded lazily with a typed `require(…) as typeof import(…)` where start-up
      // time or idle memory matters (the CRI proto, the engine, yaml, grpc-js in the port report).
      '@typescript-eslint/no-require-imports': 'off',
      // `async` without `await` is deliberate here: it makes a function that validates and may
      // throw return a rejected promise instead of throwing at the caller (handlers, the engine).
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests: tap's t.test() returns a promise tap itself awaits; tests read untyped JSON (HTTP
    // bodies, journal lines, wire objects) on purpose, so the no-unsafe-* family would only demand
    // casts; and they match terminal escapes (\x1b) in output, which no-control-regex forbids.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        { allowForKnownSafeCalls: [{ from: 'package', package: '@tapjs/test', name: 'test' }] },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      'no-control-regex': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);
