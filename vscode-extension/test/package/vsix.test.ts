/**
 * The manifest and the packaged .vsix (`npm run package` runs before this, from `pretest`):
 * what VS Code reads from package.json, and that the archive holds the bundle, README,
 * CHANGELOG, LICENSE and icon — and no sources, tests or node_modules.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';

import { CONFIG_SECTION, Commands, SERVER_CHECK_WORKSPACE_COMMAND, SERVER_MODULE, SERVER_NAME } from '../../src/common/constants';
import { RESTRICTED_SETTINGS, SEVERITY_NAMES } from '../../src/common/settings';
import { EXTENSION_ROOT, Manifest, readManifest } from '../helpers/manifest';
import { ZipEntry, readZip } from '../helpers/zip';

// `nova-lsp-<version>.vsix`: the name the README tells users to install
const VSIX = path.join(EXTENSION_ROOT, `nova-lsp-${(JSON.parse(fs.readFileSync(path.join(EXTENSION_ROOT, 'package.json'), 'utf8')) as { version: string }).version}.vsix`);

const SERVER_SETTINGS = [
    'enable', 'select', 'extendSelect', 'ignore', 'severity', 'rules', 'exclude', 'extendExclude', 'maxFileSize', 'timeBudget', 'debounce', 'run', 'index',
];
const CLIENT_SETTINGS = ['interpreter', 'path', 'trace.server'];

/** `^1.85.0` → [1, 85, 0] */
function minimumVersion(range: string): number[] {
    const match = /^\^?(\d+)\.(\d+)\.(\d+)$/.exec(range);
    assert.ok(match, `a caret range: ${range}`);
    return match.slice(1).map(Number);
}

function atLeast(a: number[], b: number[]): boolean {
    for (let i = 0; i < 3; i++) {
        if (a[i] !== b[i]) {
            return a[i] > b[i];
        }
    }
    return true;
}

describe('package.json', () => {
    const manifest: Manifest = readManifest();

    it('targets a VS Code that vscode-languageclient and @types/vscode agree with', () => {
        const engine = minimumVersion(manifest.engines.vscode);
        assert.ok(atLeast(engine, [1, 85, 0]), manifest.engines.vscode);
        const client = JSON.parse(
            fs.readFileSync(path.join(EXTENSION_ROOT, 'node_modules/vscode-languageclient/package.json'), 'utf8'),
        ) as { engines: { vscode: string } };
        assert.ok(atLeast(engine, minimumVersion(client.engines.vscode)), `vscode-languageclient needs ${client.engines.vscode}`);
        const types = minimumVersion(manifest.devDependencies['@types/vscode'].replace('~', '^'));
        assert.ok(atLeast(engine, types), 'vsce refuses @types/vscode newer than engines.vscode');
    });

    it('activates on Python files and runs the bundle', () => {
        assert.deepEqual(manifest.activationEvents, ['onLanguage:python']);
        assert.equal(manifest.main, './dist/extension.js');
        assert.equal(manifest.serverInfo.name, SERVER_NAME);
        assert.equal(manifest.serverInfo.module, SERVER_MODULE);
        assert.equal(manifest.license, 'Apache-2.0');
        assert.equal(manifest.icon, 'images/icon.png');
    });

    it('contributes the server settings and the client settings, nothing else', () => {
        const keys = Object.keys(manifest.contributes.configuration.properties).sort();
        const expected = [...SERVER_SETTINGS, ...CLIENT_SETTINGS].map((key) => `${CONFIG_SECTION}.${key}`).sort();
        assert.deepEqual(keys, expected);
        const properties = manifest.contributes.configuration.properties;
        assert.equal(properties['nova-lsp.debounce'].default, 200);
        assert.equal(properties['nova-lsp.run'].default, 'onType');
        assert.equal(properties['nova-lsp.enable'].default, true);
        const severity = properties['nova-lsp.severity'] as { additionalProperties?: { enum?: string[] } };
        assert.deepEqual(severity.additionalProperties?.enum, [...SEVERITY_NAMES]);
        for (const key of keys.filter((k) => k !== 'nova-lsp.trace.server')) {
            assert.equal(properties[key].scope, 'resource', `${key} can differ per folder`);
        }
    });

    it('declares limited support for untrusted workspaces, restricting the settings that run programs', () => {
        const untrusted = manifest.capabilities.untrustedWorkspaces;
        assert.equal(untrusted.supported, 'limited');
        assert.deepEqual(
            untrusted.restrictedConfigurations,
            RESTRICTED_SETTINGS.map((key) => `${CONFIG_SECTION}.${key}`),
        );
    });

    it('contributes restart, check workspace and show output, but not the server command itself', () => {
        const commands: string[] = manifest.contributes.commands.map((c) => c.command).sort();
        assert.ok(
            !commands.includes(SERVER_CHECK_WORKSPACE_COMMAND),
            'vscode-languageclient registers the server command; registering it too fails with "command already exists"',
        );
        assert.deepEqual(commands, Object.values(Commands).sort());
        for (const command of manifest.contributes.commands) {
            assert.equal(command.category, SERVER_NAME);
        }
    });

    it('bundles its runtime dependencies (the .vsix is packaged with --no-dependencies)', () => {
        assert.match(manifest.scripts.package, /--no-dependencies/);
        assert.deepEqual(Object.keys(manifest.dependencies).sort(), ['@vscode/python-extension', 'vscode-languageclient']);
    });
});

describe('the packaged .vsix', () => {
    let entries: Map<string, ZipEntry>;

    before(() => {
        assert.ok(fs.existsSync(VSIX), `${VSIX} missing: run \`npm run package\` first`);
        entries = readZip(fs.readFileSync(VSIX));
    });

    it('contains the bundle, manifest, README, CHANGELOG, LICENSE and icon', () => {
        const names = [...entries.keys()].map((name) => name.toLowerCase());
        for (const required of [
            'extension.vsixmanifest',
            'extension/package.json',
            'extension/dist/extension.js',
            'extension/readme.md',
            'extension/changelog.md',
            'extension/license.txt',
            'extension/images/icon.png',
        ]) {
            assert.ok(names.includes(required), `${required} in ${names.join(', ')}`);
        }
    });

    it('leaves out sources, tests, build output, source maps and node_modules', () => {
        const unwanted = [...entries.keys()].filter((name) =>
            /^extension\/(src|test|out|node_modules|scripts)\/|\.ts$|\.map$|tsconfig|eslint|esbuild|\.vsix$|package-lock/.test(name),
        );
        assert.deepEqual(unwanted, []);
    });

    it('carries the same manifest and a valid PNG icon of at least 128×128', () => {
        const packaged = JSON.parse(entries.get('extension/package.json')!.read().toString('utf8')) as Manifest;
        const source = readManifest();
        assert.equal(packaged.name, source.name);
        assert.equal(packaged.version, source.version);
        assert.deepEqual(packaged.contributes, source.contributes);
        const icon = entries.get('extension/images/icon.png')!.read();
        assert.deepEqual([...icon.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
        assert.ok(icon.readUInt32BE(16) >= 128 && icon.readUInt32BE(20) >= 128, 'icon size');
        const license = entries.get('extension/LICENSE.txt')!.read().toString('utf8');
        assert.match(license, /Apache License\s+Version 2\.0, January 2004/);
        const manifestXml = entries.get('extension.vsixmanifest')!.read().toString('utf8');
        assert.match(manifestXml, /Microsoft\.VisualStudio\.Code\.Engine" Value="\^1\.85\.0"/);
    });

    it('has a bundle that needs nothing but node built-ins and vscode, and loads', () => {
        const bundle = entries.get('extension/dist/extension.js')!.read().toString('utf8');
        const required = new Set([...bundle.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]));
        const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
        const external = [...required].filter((name) => name !== 'vscode' && !builtins.has(name));
        assert.deepEqual(external, [], 'everything else is bundled');
        assert.ok(required.has('vscode'));

        const exported = loadWithStubVscode(bundle);
        assert.equal(typeof exported.activate, 'function');
        assert.equal(typeof exported.deactivate, 'function');
    });
});

/**
 * Evaluates the bundle with `vscode` replaced by an inert stub (every name @types/vscode
 * exports, each a callable, constructible, endlessly nested proxy); returns its exports.
 */
function loadWithStubVscode(source: string): Record<string, unknown> {
    const stub: unknown = new Proxy(function stubbed() {}, {
        get: (_target, property) => (property === 'then' ? undefined : property === Symbol.toPrimitive ? () => '' : stub),
        apply: () => stub,
        construct: () => stub as object,
    });
    const declarations = fs.readFileSync(path.join(EXTENSION_ROOT, 'node_modules/@types/vscode/index.d.ts'), 'utf8');
    const names = new Set([...declarations.matchAll(/^\s*export (?:class|namespace|enum|function|const|let|var) (\w+)/gm)].map((m) => m[1]));
    const vscodeModule = Object.fromEntries([...names].map((name) => [name, stub]));
    const module = { exports: {} as Record<string, unknown> };
    const localRequire = (name: string): unknown => (name === 'vscode' ? vscodeModule : createRequire(__filename)(name));
    // Evaluating the packaged bundle is the point of this test.
    const load = new Function('module', 'exports', 'require', '__filename', '__dirname', source) as (...args: unknown[]) => void;
    load(module, module.exports, localRequire, path.join(EXTENSION_ROOT, 'dist/extension.js'), path.join(EXTENSION_ROOT, 'dist'));
    return module.exports;
}
