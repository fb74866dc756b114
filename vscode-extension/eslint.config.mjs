// Lint configuration (flat config). The extension's sources get typescript-eslint's
// type-checked rules (floating promises matter in the server lifecycle); tests and build
// scripts get the faster syntax-only rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const shared = {
    '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    eqeqeq: ['error', 'always'],
    curly: 'error',
};

export default tseslint.config(
    { ignores: ['dist/', 'out/', 'node_modules/', '*.vsix'] },
    {
        files: ['**/*.mjs'],
        extends: [js.configs.recommended],
        languageOptions: {
            globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly' },
        },
    },
    {
        files: ['src/**/*.ts'],
        extends: [js.configs.recommended, ...tseslint.configs.recommendedTypeChecked],
        languageOptions: {
            parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
        },
        rules: { ...shared, '@typescript-eslint/no-floating-promises': 'error' },
    },
    {
        files: ['test/**/*.ts'],
        extends: [js.configs.recommended, ...tseslint.configs.recommended],
        rules: shared,
    },
);
