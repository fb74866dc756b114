/**
 * The extension manifest (package.json) for tests, and a `ConfigurationReader` built from its
 * contributed defaults plus user / workspace / folder values, the way VS Code layers them.
 */

import * as fs from 'node:fs';
import * as path from 'node:path';

import type { ConfigurationInspection, ConfigurationReader } from '../../src/common/settings';

/** vscode-extension/, from out/test/helpers or test/helpers. */
export const EXTENSION_ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../..' : '../..');

export interface Manifest {
    name: string;
    publisher: string;
    version: string;
    main: string;
    icon: string;
    license: string;
    engines: Record<string, string>;
    activationEvents: string[];
    serverInfo: { name: string; module: string };
    capabilities: {
        untrustedWorkspaces: { supported: boolean | 'limited'; restrictedConfigurations?: string[] };
        virtualWorkspaces?: unknown;
    };
    contributes: {
        configuration: { properties: Record<string, { default?: unknown; scope?: string; type?: unknown }> };
        commands: { command: string; title: string; category?: string }[];
    };
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
}

export function readManifest(): Manifest {
    return JSON.parse(fs.readFileSync(path.join(EXTENSION_ROOT, 'package.json'), 'utf8')) as Manifest;
}

export interface Layers {
    user?: Record<string, unknown>;
    workspace?: Record<string, unknown>;
    folder?: Record<string, unknown>;
}

/** Keys are relative to the `nova-lsp` section (`select`, `trace.server`). */
export function fakeConfiguration(layers: Layers = {}): ConfigurationReader {
    const properties = readManifest().contributes.configuration.properties;
    return {
        inspect<T>(key: string): ConfigurationInspection<T> | undefined {
            const contributed = properties[`nova-lsp.${key}`];
            if (!contributed) {
                return undefined;
            }
            return {
                defaultValue: contributed.default as T | undefined,
                globalValue: layers.user?.[key] as T | undefined,
                workspaceValue: layers.workspace?.[key] as T | undefined,
                workspaceFolderValue: layers.folder?.[key] as T | undefined,
            };
        },
    };
}
