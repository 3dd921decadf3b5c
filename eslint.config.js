// Lint: TypeScript-aware recommended rules, plus the bans that protect the widget and the HTTP layer.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'plugins/sdk/dist/', 'coverage/', '.data/', '**/.tmp/', '**/*.d.ts', '.stryker-tmp*/', 'reports/'] },
  js.configs.recommended,
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } } },
  { files: ['**/*.mjs'], languageOptions: { globals: { process: 'readonly', console: 'readonly' } } },
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-console': ['error', { allow: ['warn', 'error'] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-empty-object-type': 'off',
      // Stripping control characters from untrusted text is deliberate.
      'no-control-regex': 'off',
    },
  },
  {
    // Shopper- and model-written text must never reach innerHTML in the storefront.
    files: ['widget/**/*.{ts,tsx}', 'storefront-apps/**/*.{ts,tsx}'],
    rules: {
      // Solid assigns `let el!: HTMLElement` through ref={el}, which this rule cannot see.
      'no-unassigned-vars': 'off',
      'no-restricted-properties': ['error', { property: 'innerHTML', message: 'Build nodes; never innerHTML (XSS).' }, { property: 'outerHTML' }, { property: 'insertAdjacentHTML' }],
    },
  },
  {
    files: ['tests/**/*.ts', 'bench/**/*.ts'],
    rules: { 'no-console': 'off', '@typescript-eslint/no-non-null-assertion': 'off', '@typescript-eslint/no-explicit-any': 'off' },
  },
);
