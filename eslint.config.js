// ESLint for the whole repository: typescript-eslint's recommended rules, Prettier for layout.
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', '.local/', '.esbuild/', '.serverless/', 'coverage/', 'infra/openfaas/build/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module', globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly' } },
    rules: {
      // Unused names are errors, except the ones named `_…` on purpose (an interface's parameter a
      // mode does not need, a rest sibling that drops a field).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' }],
      // The metadata parser, the log redaction and the CLI's safe text find control characters on
      // purpose: their regexes list them.
      'no-control-regex': 'off',
      // `v === undefined ? delete env[k] : (env[k] = v)` restores an environment in tests and tools.
      '@typescript-eslint/no-unused-expressions': ['error', { allowTernary: true }],
    },
  },
  {
    // Tests inspect parsed YAML and JSON documents (records, configs, notifications) field by field.
    files: ['tests/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      // No focused or skipped tests in the tree: every test runs in CI.
      'no-restricted-properties': ['error', ...['it', 'describe', 'test'].flatMap((object) => ['only', 'skip'].map((property) => ({ object, property })))],
    },
  },
  {
    // Plain JavaScript entry points (the CLI shim, CommonJS helpers of the deployment).
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  prettier,
);
