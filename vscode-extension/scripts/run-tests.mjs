// Runs every *.test.js under the given directories (default: out/test) with node's built-in
// test runner; node 20's `--test` takes no globs, and a directory would also run the helpers.
// Usage: node scripts/run-tests.mjs [DIR...]
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
    return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
            return testFiles(full);
        }
        return entry.name.endsWith('.test.js') ? [full] : [];
    });
}

const dirs = process.argv.slice(2);
const files = (dirs.length > 0 ? dirs : ['out/test']).flatMap(testFiles).sort();
if (files.length === 0) {
    console.error('no *.test.js files found; run `npm run compile-tests` first');
    process.exit(1);
}
const result = spawnSync(process.execPath, ['--test', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
