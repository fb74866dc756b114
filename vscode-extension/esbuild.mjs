// Builds with esbuild.
//   node esbuild.mjs [--production] [--watch]
//     bundles src/extension.ts and its dependencies (vscode-languageclient,
//     @vscode/python-extension) into dist/extension.js; `vscode` is provided by VS Code.
//   node esbuild.mjs --tests
//     transpiles test/**/*.ts and the vscode-free modules they import into out/ for
//     `node --test` (no type checking here: `npm run typecheck` does that).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

function tsFiles(dir) {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
            return tsFiles(full);
        }
        return entry.name.endsWith('.ts') ? [full] : [];
    });
}

const extension = {
    entryPoints: ['src/extension.ts'],
    bundle: true,
    outfile: 'dist/extension.js',
    external: ['vscode'],
    format: 'cjs',
    platform: 'node',
    target: 'node18',
    sourcemap: !production,
    minify: production,
    logLevel: 'info',
};

const testBuild = {
    entryPoints: [...tsFiles('test'), ...tsFiles('src/common')],
    bundle: false,
    outdir: 'out',
    outbase: '.',
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    sourcemap: 'inline',
    logLevel: 'warning',
};

const options = tests ? testBuild : extension;
if (watch) {
    const context = await esbuild.context(options);
    await context.watch();
} else {
    await esbuild.build(options);
}
