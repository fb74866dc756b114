/**
 * The real server, started exactly as the extension starts it (`resolveServerLaunch` with
 * `nova-lsp.interpreter` = $NOVA_LSP_PYTHON or python3, the probe first), driven over stdio
 * with VS Code's capabilities: initialize with settings, open a file with a swallowed
 * exception, get NOVA006, apply the "Ignore NOVA006" quick fix, see it go away, change the
 * settings, check the workspace, shut down.
 *
 * This checkout's nova_lsp is put first on PYTHONPATH so the test exercises the server next
 * to this extension, whatever else the interpreter has installed.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';

import {
    CodeAction,
    CodeActionRequest,
    CodeActionResolveRequest,
    Command,
    Diagnostic,
    DiagnosticSeverity,
    DidChangeConfigurationNotification,
    DidChangeTextDocumentNotification,
    DidOpenTextDocumentNotification,
    ExecuteCommandRequest,
    ExitNotification,
    InitializeRequest,
    InitializeResult,
    InitializedNotification,
    ShutdownRequest,
    TextDocumentSyncKind,
} from 'vscode-languageserver-protocol/node';

import { CONFIG_SECTION, SERVER_CHECK_WORKSPACE_COMMAND, SERVER_NAME } from '../../src/common/constants';
import { runProbe } from '../../src/common/probe';
import { ServerLaunch, readSettings, resolveServerLaunch, toServerPayload } from '../../src/common/settings';
import { EXTENSION_ROOT, fakeConfiguration } from '../helpers/manifest';
import { LspClient, applyEdits, editsFor, titles } from './lspClient';
import { VSCODE_CAPABILITIES, VSCODE_CLIENT_INFO } from './vscodeCapabilities';

const PYTHON = process.env.NOVA_LSP_PYTHON ?? 'python3';
const REPO_ROOT = path.resolve(EXTENSION_ROOT, '..');
const TIMEOUT_MS = 30_000;

const SOURCE = [
    'import os',
    '',
    '# FIXME: clean up the temporary file properly',
    'try:',
    '    os.remove("/tmp/scratch")',
    'except:',
    '    pass',
    '',
].join('\n');

/**
 * Modules the server (or the probe) would import if the workspace folder were on sys.path:
 * each writes a marker file when imported.  The extension starts Python outside the folder
 * with -P, so none may run (docs/security.md).
 */
const SHADOWS = ['nova_lsp/__init__.py', 'nova_lsp/__main__.py', 'argparse.py', 'json.py', 'logging.py', 'pygls/__init__.py', 'lsprotocol/__init__.py', 'astroid/__init__.py', 'sitecustomize.py'];

function plantShadows(folder: string): void {
    for (const shadow of SHADOWS) {
        const file = path.join(folder, shadow);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        const marker = path.join(folder, `EXECUTED-${shadow.replace(/[/.]/g, '_')}`);
        fs.writeFileSync(file, `open(${JSON.stringify(marker)}, "w").close()\n`);
    }
}

function markers(folder: string): string[] {
    return fs.readdirSync(folder).filter((name) => name.startsWith('EXECUTED-'));
}

function testEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    if (fs.existsSync(path.join(REPO_ROOT, 'nova_lsp', '__init__.py'))) {
        env.PYTHONPATH = [REPO_ROOT, env.PYTHONPATH].filter(Boolean).join(path.delimiter);
    }
    return env;
}

function codes(diagnostics: Diagnostic[]): string[] {
    return diagnostics.map((d) => String(d.code)).sort();
}

describe('nova-lsp serve, driven like VS Code', { timeout: 120_000 }, () => {
    let folder: string;
    let fileUri: string;
    let launch: ServerLaunch;
    let client: LspClient;
    let init: InitializeResult;
    let pull = false;
    let version = 1;
    let text = SOURCE;

    /** The diagnostics of the open document's current version, by pull or push as the server does. */
    async function diagnostics(): Promise<Diagnostic[]> {
        if (pull) {
            return client.pull(fileUri);
        }
        const wanted = version;
        const pushed = await client.waitForPush(fileUri, (p) => p.version === undefined || p.version === wanted, TIMEOUT_MS);
        return pushed.diagnostics;
    }

    before(async () => {
        folder = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'nova-lsp-vscode-')));
        fs.writeFileSync(path.join(folder, 'x.py'), SOURCE);
        fs.mkdirSync(path.join(folder, 'pkg'));
        fs.writeFileSync(path.join(folder, 'pkg', 'closed.py'), 'def f():\n    try:\n        g()\n    except:\n        pass\n');
        fileUri = pathToFileURL(path.join(folder, 'x.py')).href;
        plantShadows(folder);

        const settings = readSettings(
            fakeConfiguration({ user: { interpreter: [PYTHON], severity: { NOVA006: 'error' }, ignore: ['NOVA007'] } }),
            { trusted: true },
        );
        launch = resolveServerLaunch({ launch: settings.launch, trusted: true, workspaceFolder: folder, userHome: os.homedir() });
        assert.equal(launch.source, 'nova-lsp.interpreter');
        assert.deepEqual(launch.args.slice(-4), ['-P', '-m', 'nova_lsp', 'serve']);
        assert.notEqual(launch.cwd, folder, 'never started in the workspace folder');

        const probe = await runProbe(launch, { timeoutMs: TIMEOUT_MS, env: testEnv() });
        assert.equal(probe.verdict, 'ok', `the extension would not start the server: ${probe.message}`);

        client = new LspClient(launch, testEnv(), toServerPayload(settings.server));
        init = await client.connection.sendRequest(InitializeRequest.type, {
            processId: process.pid,
            clientInfo: VSCODE_CLIENT_INFO,
            locale: 'en',
            rootPath: folder,
            rootUri: pathToFileURL(folder).href,
            workspaceFolders: [{ uri: pathToFileURL(folder).href, name: path.basename(folder) }],
            capabilities: VSCODE_CAPABILITIES,
            initializationOptions: toServerPayload(settings.server),
            trace: 'off',
        });
        pull = init.capabilities.diagnosticProvider !== undefined;
        await client.connection.sendNotification(InitializedNotification.type, {});
    });

    after(() => {
        client?.kill();
        fs.rmSync(folder, { recursive: true, force: true });
    });

    it('initializes: names itself, syncs incrementally, offers code actions and the workspace check', () => {
        assert.equal(init.serverInfo?.name, SERVER_NAME);
        const sync = init.capabilities.textDocumentSync;
        const kind = typeof sync === 'number' ? sync : sync?.change;
        assert.equal(kind, TextDocumentSyncKind.Incremental);
        assert.ok(init.capabilities.codeActionProvider, 'codeActionProvider');
        assert.ok(
            init.capabilities.executeCommandProvider?.commands.includes(SERVER_CHECK_WORKSPACE_COMMAND),
            `the server offers ${SERVER_CHECK_WORKSPACE_COMMAND} (the extension's Check Workspace sends it)`,
        );
    });

    it('reads the nova-lsp section through workspace/configuration', async () => {
        await client.waitForRequest('workspace/configuration', TIMEOUT_MS);
        const asked = client.requests.find((r) => r.method === 'workspace/configuration')?.params as { items: { section?: string }[] };
        assert.ok(asked.items.some((item) => item.section === CONFIG_SECTION), JSON.stringify(asked));
    });

    it('reports the swallowed exception with the severity from the settings, and not the ignored FIXME', async () => {
        await client.connection.sendNotification(DidOpenTextDocumentNotification.type, {
            textDocument: { uri: fileUri, languageId: 'python', version, text },
        });
        const found = await diagnostics();
        assert.deepEqual(codes(found), ['NOVA006'], JSON.stringify(found, null, 2));
        const [diagnostic] = found;
        assert.equal(diagnostic.source, SERVER_NAME);
        assert.equal(diagnostic.severity, DiagnosticSeverity.Error, 'nova-lsp.severity {"NOVA006": "error"} applies');
        assert.equal(diagnostic.range.start.line, 5, 'on `except:`');
        assert.match(diagnostic.message, /bare `except:`/);
        assert.match(diagnostic.codeDescription?.href ?? '', /^https:\/\//, 'codeDescription links to the rule documentation');
    });

    it('offers "Ignore NOVA006 on this line"; applying it makes the finding go away', async () => {
        const [diagnostic] = (await diagnostics()).filter((d) => d.code === 'NOVA006');
        const answer = await client.connection.sendRequest(CodeActionRequest.type, {
            textDocument: { uri: fileUri },
            range: diagnostic.range,
            context: { diagnostics: [diagnostic], triggerKind: 1 },
        });
        const actions = (answer ?? []).filter((a): a is CodeAction => !Command.is(a));
        let ignore = actions.find((a) => /Ignore NOVA006/i.test(a.title));
        assert.ok(ignore, `actions offered: ${titles(actions)}`);
        assert.equal(ignore.kind, 'quickfix');
        if (!ignore.edit) {
            ignore = await client.connection.sendRequest(CodeActionResolveRequest.type, ignore);
        }
        const edits = editsFor(ignore.edit!, fileUri);
        assert.ok(edits.length > 0, 'the suppression edits this file');
        const applied = applyEdits(text, edits);
        assert.notEqual(applied.text, text);
        assert.match(applied.text, /except:.*NOVA006/, applied.text);

        text = applied.text;
        version += 1;
        await client.connection.sendNotification(DidChangeTextDocumentNotification.type, {
            textDocument: { uri: fileUri, version },
            contentChanges: applied.changes,
        });
        assert.deepEqual(codes(await diagnostics()), [], `after the fix:\n${text}`);
    });

    /** Sends the new settings the way the extension does and returns the diagnostics that follow. */
    async function changeSettings(user: Record<string, unknown>, accept: (found: Diagnostic[]) => boolean): Promise<Diagnostic[]> {
        const before = client.requests.length;
        client.configuration = toServerPayload(readSettings(fakeConfiguration({ user }), { trusted: true }).server);
        await client.connection.sendNotification(DidChangeConfigurationNotification.type, {
            settings: { [CONFIG_SECTION]: client.configuration },
        });
        if (pull) {
            // The server re-reads workspace/configuration, then asks VS Code to pull again.
            await client.waitForRequest('workspace/diagnostic/refresh', TIMEOUT_MS, before);
            return client.pull(fileUri);
        }
        return (await client.waitForPush(fileUri, (p) => accept(p.diagnostics), TIMEOUT_MS)).diagnostics;
    }

    it('stops applying a setting the user removed (workspace/configuration replaces initializationOptions)', async () => {
        const found = await changeSettings({}, (d) => d.some((x) => x.code === 'NOVA007'));
        assert.deepEqual(codes(found), ['NOVA007'], 'the FIXME is no longer ignored');
    });

    it('applies changed settings (workspace/didChangeConfiguration, as the extension sends it)', async () => {
        const found = await changeSettings({ ignore: [], severity: { NOVA007: 'hint' } }, (d) =>
            d.some((x) => x.code === 'NOVA007' && x.severity === DiagnosticSeverity.Hint),
        );
        assert.deepEqual(codes(found), ['NOVA007'], 'the FIXME is no longer ignored');
        assert.equal(found[0].severity, DiagnosticSeverity.Hint, 'nova-lsp.severity {"NOVA007": "hint"}');
    });

    it('checks the workspace as the Check Workspace command asks, publishing findings for files that are not open', async () => {
        const closedUri = pathToFileURL(path.join(folder, 'pkg', 'closed.py')).href;
        // exactly what `nova-lsp.runWorkspaceCheck` sends (src/extension.ts)
        const result = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
            command: SERVER_CHECK_WORKSPACE_COMMAND,
        })) as { files: number; findings: number; cancelled: boolean };
        assert.equal(result.cancelled, false);
        assert.ok(result.files >= 1 && result.findings >= 1, JSON.stringify(result));
        const pushed = await client.waitForPush(closedUri, (p) => p.diagnostics.length > 0, TIMEOUT_MS);
        assert.deepEqual(codes(pushed.diagnostics), ['NOVA006']);
        if (pull) {
            assert.equal(client.pushed.has(fileUri), false, 'the open document is left to pull diagnostics');
        }
    });

    it('accepts the empty argument list VS Code sends when the command is run through vscode.commands', async () => {
        // vscode-languageclient registers the server's command and sends `arguments: []`.
        const result = (await client.connection.sendRequest(ExecuteCommandRequest.type, {
            command: SERVER_CHECK_WORKSPACE_COMMAND,
            arguments: [],
        })) as { cancelled: boolean };
        assert.equal(result.cancelled, false);
    });

    it('shuts down and exits 0', async () => {
        await client.connection.sendRequest(ShutdownRequest.type);
        await client.connection.sendNotification(ExitNotification.type);
        const code = await Promise.race([client.exited(), new Promise((resolve) => setTimeout(() => resolve('still running'), 10_000))]);
        assert.equal(code, 0, client.stderr);
    });

    it('imported nothing from the workspace folder (probe, server, workspace check)', () => {
        assert.deepEqual(markers(folder), []);
    });
});
