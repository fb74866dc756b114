/**
 * The interpreter selected in the Python extension, through its public API package
 * (`@vscode/python-extension`), and an event when the selection changes.  Everything here is
 * optional: without the Python extension the server falls back to `python3`
 * (see `resolveServerLaunch` in settings.ts).
 */

import { PythonExtension } from '@vscode/python-extension';
import * as vscode from 'vscode';

import { traceInfo, traceWarn } from './log';

const PYTHON_EXTENSION_ID = 'ms-python.python';
const API_TIMEOUT_MS = 15_000;

const onDidChangeInterpreterEmitter = new vscode.EventEmitter<void>();
/** Fires when the active environment changes in the Python extension, or the extension appears. */
export const onDidChangePythonInterpreter: vscode.Event<void> = onDidChangeInterpreterEmitter.event;

let api: PythonExtension | undefined;
let apiPromise: Promise<PythonExtension | undefined> | undefined;

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => resolve(undefined), ms);
        promise.then(
            (value) => {
                clearTimeout(timer);
                resolve(value);
            },
            (error: unknown) => {
                clearTimeout(timer);
                reject(error instanceof Error ? error : new Error(String(error)));
            },
        );
    });
}

async function loadApi(disposables: vscode.Disposable[]): Promise<PythonExtension | undefined> {
    if (!vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
        return undefined;
    }
    try {
        const loaded = await withTimeout(PythonExtension.api(), API_TIMEOUT_MS);
        if (!loaded) {
            traceWarn('The Python extension did not activate in time; using the fallback interpreter.');
            return undefined;
        }
        disposables.push(
            loaded.environments.onDidChangeActiveEnvironmentPath((event) => {
                traceInfo(`Python extension: active environment is now ${event.path}`);
                onDidChangeInterpreterEmitter.fire();
            }),
        );
        return loaded;
    } catch (error) {
        traceWarn('Could not use the Python extension API:', error);
        return undefined;
    }
}

/** Watches for the Python extension; call once on activation. */
export function initializePython(disposables: vscode.Disposable[]): void {
    disposables.push(onDidChangeInterpreterEmitter);
    disposables.push(
        vscode.extensions.onDidChange(() => {
            if (!api && !apiPromise && vscode.extensions.getExtension(PYTHON_EXTENSION_ID)) {
                traceInfo('The Python extension was installed or enabled.');
                onDidChangeInterpreterEmitter.fire();
            }
        }),
    );
    const forget = (): void => {
        api = undefined;
        apiPromise = undefined;
    };
    disposables.push({ dispose: forget });
    getApi = async () => {
        if (api) {
            return api;
        }
        apiPromise ??= loadApi(disposables).then((loaded) => {
            api = loaded;
            apiPromise = undefined;
            return loaded;
        });
        return apiPromise;
    };
}

let getApi: () => Promise<PythonExtension | undefined> = () => Promise.resolve(undefined);

/**
 * The active interpreter for `resource` as a command (`["/path/to/python"]`), or undefined when
 * the Python extension is missing or has none.
 */
export async function getPythonExtensionInterpreter(resource?: vscode.Uri): Promise<string[] | undefined> {
    const python = await getApi();
    if (!python) {
        return undefined;
    }
    try {
        const active = python.environments.getActiveEnvironmentPath(resource);
        const resolved = await python.environments.resolveEnvironment(active);
        const executable = resolved?.executable.uri?.fsPath ?? active.path;
        return executable ? [executable] : undefined;
    } catch (error) {
        traceWarn('Could not resolve the Python extension interpreter:', error);
        return undefined;
    }
}
