/**
 * The "nova-lsp" output channel: one `LogOutputChannel` for the extension's own messages, the
 * server's stderr and the LSP trace (`nova-lsp.trace.server`).
 */

import * as vscode from 'vscode';

import { SERVER_NAME } from './constants';

let channel: vscode.LogOutputChannel | undefined;
/** The last lines the server wrote to stderr (vscode-languageclient `append`s them to the channel). */
let stderrTail: string[] = [];
const STDERR_TAIL_LINES = 20;

export function createOutputChannel(): vscode.LogOutputChannel {
    channel ??= vscode.window.createOutputChannel(SERVER_NAME, { log: true });
    return channel;
}

export function showOutput(): void {
    channel?.show(true);
}

export function traceInfo(...parts: unknown[]): void {
    channel?.info(format(parts));
}

export function traceWarn(...parts: unknown[]): void {
    channel?.warn(format(parts));
}

export function traceError(...parts: unknown[]): void {
    channel?.error(format(parts));
}

export function traceDebug(...parts: unknown[]): void {
    channel?.debug(format(parts));
}

function format(parts: unknown[]): string {
    return parts
        .map((part) => {
            if (part instanceof Error) {
                return part.stack ?? part.message;
            }
            return typeof part === 'string' ? part : JSON.stringify(part);
        })
        .join(' ');
}

/**
 * The channel to give the language client: the same channel, but what the client `append`s
 * (the server's stderr; its own messages use `appendLine`) is also remembered, so that a
 * failure notification can quote the server's last error line.
 */
export function serverOutputChannel(target: vscode.LogOutputChannel): vscode.LogOutputChannel {
    const append = (value: string): void => {
        stderrTail = [...stderrTail, ...value.split(/\r?\n/).filter((line) => line.trim().length > 0)].slice(-STDERR_TAIL_LINES);
        target.append(value);
    };
    return new Proxy(target, {
        get(object, property, receiver) {
            if (property === 'append') {
                return append;
            }
            const value: unknown = Reflect.get(object, property, receiver);
            return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
        },
    });
}

/** The server's last stderr line since `clearServerErrors`, e.g. `ImportError: cannot import name 'serve'`. */
export function lastServerError(): string | undefined {
    return stderrTail.length > 0 ? stderrTail[stderrTail.length - 1].trim() : undefined;
}

export function clearServerErrors(): void {
    stderrTail = [];
}
