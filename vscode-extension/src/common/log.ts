/**
 * The "nova-lsp" output channel: one `LogOutputChannel` for the extension's own messages, the
 * server's stderr and the LSP trace (`nova-lsp.trace.server`).
 */

import * as vscode from 'vscode';

import { SERVER_NAME } from './constants';

let channel: vscode.LogOutputChannel | undefined;

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
