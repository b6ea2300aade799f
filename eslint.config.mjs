import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  // the live test projects of other tools (issue #24) are written for those tools, not linted here
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'build/**',
      'coverage/**',
      'example/**',
      '__tests__/fixtures/live/**'
    ]
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly'
      }
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Inputs are read in one place per stage (settings.ts), never elsewhere.
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.property.name='getInput']",
          message: 'Read inputs only through src/common/inputs.ts'
        }
      ]
    }
  },
  {
    files: ['src/common/inputs.ts', '__tests__/**'],
    rules: { 'no-restricted-syntax': 'off' }
  }
)
