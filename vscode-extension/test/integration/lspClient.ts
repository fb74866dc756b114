/**
 * A small LSP client over stdio on vscode-languageserver-protocol (the library
 * vscode-languageclient is built on): spawns a `ServerLaunch`, answers the server's requests
 * the way the extension does, collects pushed diagnostics, and applies text edits.
 */

import { ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';

import {
    CodeAction,
    Diagnostic,
    DocumentDiagnosticReport,
    DocumentDiagnosticRequest,
    MessageConnection,
    PublishDiagnosticsNotification,
    PublishDiagnosticsParams,
    Range,
    StreamMessageReader,
    StreamMessageWriter,
    TextDocumentContentChangeEvent,
    TextEdit,
    WorkspaceEdit,
    createMessageConnection,
} from 'vscode-languageserver-protocol/node';

import { CONFIG_SECTION } from '../../src/common/constants';
import type { ServerLaunch } from '../../src/common/settings';

export interface ServerRequestLog {
    method: string;
    params: unknown;
}

export class LspClient {
    readonly connection: MessageConnection;
    readonly process: ChildProcess;
    readonly requests: ServerRequestLog[] = [];
    readonly logMessages: string[] = [];
    readonly shownMessages: string[] = [];
    readonly pushed = new Map<string, PublishDiagnosticsParams>();
    /** What `workspace/configuration` answers for the `nova-lsp` section. */
    configuration: Record<string, unknown>;
    stderr = '';
    private readonly events = new EventEmitter();
    private exitPromise: Promise<number | null>;

    constructor(launch: ServerLaunch, env: NodeJS.ProcessEnv, configuration: Record<string, unknown>) {
        this.configuration = configuration;
        this.process = spawn(launch.command, launch.args, { cwd: launch.cwd, env: { ...env, ...launch.env }, stdio: 'pipe' });
        this.exitPromise = new Promise((resolve) => this.process.on('exit', (code) => resolve(code)));
        this.process.stderr?.on('data', (chunk: Buffer) => {
            this.stderr += chunk.toString();
        });
        this.connection = createMessageConnection(
            new StreamMessageReader(this.process.stdout!),
            new StreamMessageWriter(this.process.stdin!),
        );
        this.connection.onRequest((method: string, params: unknown) => {
            this.requests.push({ method, params });
            this.events.emit('request', method);
            if (method === 'workspace/configuration') {
                const items = (params as { items: { section?: string }[] }).items;
                return items.map((item) => (item.section === CONFIG_SECTION ? this.configuration : null));
            }
            // client/registerCapability, window/workDoneProgress/create,
            // workspace/diagnostic/refresh, window/showMessageRequest: acknowledged.
            return null;
        });
        this.connection.onNotification((method: string, params: unknown) => {
            if (method === PublishDiagnosticsNotification.method) {
                const published = params as PublishDiagnosticsParams;
                this.pushed.set(published.uri, published);
                this.events.emit('diagnostics', published.uri);
            } else if (method === 'window/logMessage') {
                this.logMessages.push((params as { message: string }).message);
            } else if (method === 'window/showMessage') {
                this.shownMessages.push((params as { message: string }).message);
            }
        });
        this.connection.listen();
    }

    /** Resolves when the server sends a request with this method (or already has). */
    waitForRequest(method: string, timeoutMs: number, after = 0): Promise<void> {
        if (this.requests.slice(after).some((request) => request.method === method)) {
            return Promise.resolve();
        }
        return this.waitFor('request', (name) => name === method, timeoutMs, `a ${method} request`);
    }

    /** Resolves with the next pushed diagnostics for `uri` that satisfy `accept`. */
    async waitForPush(uri: string, accept: (params: PublishDiagnosticsParams) => boolean, timeoutMs: number): Promise<PublishDiagnosticsParams> {
        const current = this.pushed.get(uri);
        if (current && accept(current)) {
            return current;
        }
        await this.waitFor('diagnostics', (pushedUri) => pushedUri === uri && accept(this.pushed.get(uri)!), timeoutMs, `diagnostics for ${uri}`);
        return this.pushed.get(uri)!;
    }

    /** Pull diagnostics the way vscode-languageclient does for an open document. */
    async pull(uri: string): Promise<Diagnostic[]> {
        const report: DocumentDiagnosticReport = await this.connection.sendRequest(DocumentDiagnosticRequest.type, {
            textDocument: { uri },
            identifier: 'nova-lsp',
        });
        if (report.kind !== 'full') {
            throw new Error(`expected a full report, got ${JSON.stringify(report)}`);
        }
        return report.items;
    }

    private waitFor(event: string, accept: (value: string) => boolean, timeoutMs: number, what: string): Promise<void> {
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.events.off(event, listener);
                reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; server stderr:\n${this.stderr}`));
            }, timeoutMs);
            const listener = (value: string): void => {
                if (accept(value)) {
                    clearTimeout(timer);
                    this.events.off(event, listener);
                    resolve();
                }
            };
            this.events.on(event, listener);
        });
    }

    exited(): Promise<number | null> {
        return this.exitPromise;
    }

    kill(): void {
        if (this.process.exitCode === null) {
            this.process.kill('SIGKILL');
        }
        this.connection.dispose();
    }
}

/** The text edits of `edit` for `uri`, from `changes` or `documentChanges`. */
export function editsFor(edit: WorkspaceEdit, uri: string): TextEdit[] {
    const edits: TextEdit[] = [...(edit.changes?.[uri] ?? [])];
    for (const change of edit.documentChanges ?? []) {
        if ('textDocument' in change && change.textDocument.uri === uri) {
            edits.push(...change.edits); // AnnotatedTextEdit is a TextEdit
        }
    }
    return edits;
}

function offsetAt(text: string, position: { line: number; character: number }): number {
    let offset = 0;
    for (let line = 0; line < position.line; line++) {
        const next = text.indexOf('\n', offset);
        if (next < 0) {
            return text.length;
        }
        offset = next + 1;
    }
    return offset + position.character; // UTF-16 code units, like JS strings
}

function compareRanges(a: Range, b: Range): number {
    return a.start.line - b.start.line || a.start.character - b.start.character;
}

/**
 * Applies non-overlapping edits (positions in the original text) and returns the new text
 * with the incremental `didChange` events VS Code would send: one per edit, last edit first,
 * so earlier positions stay valid.
 */
export function applyEdits(text: string, edits: TextEdit[]): { text: string; changes: TextDocumentContentChangeEvent[] } {
    const ordered = [...edits].sort((a, b) => compareRanges(b.range, a.range));
    let out = text;
    const changes: TextDocumentContentChangeEvent[] = [];
    for (const edit of ordered) {
        const start = offsetAt(out, edit.range.start);
        const end = offsetAt(out, edit.range.end);
        out = out.slice(0, start) + edit.newText + out.slice(end);
        changes.push({ range: edit.range, text: edit.newText });
    }
    return { text: out, changes };
}

export function titles(actions: (CodeAction | { title: string })[]): string {
    return actions.map((action) => action.title).join(' | ');
}
