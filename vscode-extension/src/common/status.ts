/**
 * The status bar item: the server's state (starting / running / stopped / error) at a glance,
 * the interpreter and version in its tooltip, and one click to the output.
 */

import * as vscode from 'vscode';

import { Commands, SERVER_NAME } from './constants';

export type ServerState = 'starting' | 'running' | 'stopped' | 'error';

export interface StatusDetail {
    /** Why it is in this state, e.g. "nova-lsp is not installed for python3". */
    reason?: string;
    /** How the server is started, from `describeLaunch`. */
    launch?: string;
    /** The server's name and version from its initialize result. */
    server?: string;
}

const ICONS: Record<ServerState, string> = {
    starting: '$(loading~spin)',
    running: '$(shield)',
    stopped: '$(circle-slash)',
    error: '$(error)',
};

const LABELS: Record<ServerState, string> = {
    starting: 'starting',
    running: 'running',
    stopped: 'stopped',
    error: 'error',
};

export class ServerStatus implements vscode.Disposable {
    private readonly item: vscode.StatusBarItem;
    private current: ServerState = 'stopped';

    constructor() {
        this.item = vscode.window.createStatusBarItem('nova-lsp.status', vscode.StatusBarAlignment.Right, 100);
        this.item.name = SERVER_NAME;
        this.item.command = Commands.showOutput;
        this.set('stopped');
        this.item.show();
    }

    get state(): ServerState {
        return this.current;
    }

    set(state: ServerState, detail: StatusDetail = {}): void {
        this.current = state;
        this.item.text = `${ICONS[state]} ${SERVER_NAME}`;
        this.item.backgroundColor =
            state === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
        this.item.accessibilityInformation = { label: `${SERVER_NAME} server ${LABELS[state]}` };

        const tooltip = new vscode.MarkdownString(undefined, true);
        tooltip.isTrusted = { enabledCommands: [Commands.restart, Commands.showOutput, Commands.runWorkspaceCheck] };
        tooltip.appendMarkdown(`**${SERVER_NAME}**: ${LABELS[state]}`);
        if (detail.server) {
            tooltip.appendMarkdown(` (${escape(detail.server)})`);
        }
        if (detail.reason) {
            tooltip.appendMarkdown(`\n\n${escape(detail.reason)}`);
        }
        if (detail.launch) {
            tooltip.appendMarkdown('\n\n');
            tooltip.appendCodeblock(detail.launch, 'text');
        }
        tooltip.appendMarkdown(
            `\n\n[Restart](command:${Commands.restart}) · [Check workspace](command:${Commands.runWorkspaceCheck}) · [Show output](command:${Commands.showOutput})`,
        );
        this.item.tooltip = tooltip;
    }

    dispose(): void {
        this.item.dispose();
    }
}

function escape(text: string): string {
    return text.replace(/[\\`*_{}[\]()#+\-!<>|]/g, '\\$&');
}
