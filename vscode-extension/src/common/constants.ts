/**
 * Names shared by the extension and its tests: the server's name and module (mirrors
 * `serverInfo` in package.json), the settings section and the command ids.
 */

export const SERVER_NAME = 'nova-lsp';
export const SERVER_MODULE = 'nova_lsp';
export const CONFIG_SECTION = 'nova-lsp';

/** Commands this extension contributes (see `contributes.commands` in package.json). */
export const Commands = {
    restart: 'nova-lsp.restart',
    runWorkspaceCheck: 'nova-lsp.runWorkspaceCheck',
    showOutput: 'nova-lsp.showOutput',
} as const;

/**
 * The server's own command (`workspace/executeCommand`).  vscode-languageclient registers it
 * as a VS Code command when the server announces it, so the extension must not register the
 * same id; the palette entry is `Commands.runWorkspaceCheck`, which sends the request itself.
 */
export const SERVER_CHECK_WORKSPACE_COMMAND = 'nova-lsp.checkWorkspace';
