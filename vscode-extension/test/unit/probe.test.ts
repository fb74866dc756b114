/**
 * The pre-start check on real processes: a working module, a missing one, a missing
 * interpreter, a module that crashes on import, a hanging executable.
 */

import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, it } from 'node:test';

import { classifyProbe, runProbe } from '../../src/common/probe';
import { LaunchSettings, resolveServerLaunch } from '../../src/common/settings';

const PYTHON = process.env.NOVA_LSP_PYTHON ?? 'python3';
const posixOnly = { skip: process.platform === 'win32' ? 'uses /bin/sh' : false };

let tmp: string;

function launchFor(settings: Partial<LaunchSettings>) {
    return resolveServerLaunch({
        launch: { interpreter: [], path: [], ...settings },
        trusted: true,
        workspaceFolder: tmp,
        userHome: os.homedir(),
    });
}

function fakeModule(dir: string, body: string): string {
    const root = path.join(tmp, dir);
    fs.mkdirSync(path.join(root, 'nova_lsp'), { recursive: true });
    fs.writeFileSync(path.join(root, 'nova_lsp', '__init__.py'), body);
    return root;
}

describe('runProbe', () => {
    before(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nova-lsp-probe-'));
    });
    after(() => {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it('says ok, with the version, when nova_lsp imports', async () => {
        const site = fakeModule('good', '__version__ = "9.9.9"\n');
        const result = await runProbe(launchFor({ interpreter: [PYTHON] }), {
            timeoutMs: 20_000,
            env: { ...process.env, PYTHONPATH: site },
        });
        assert.equal(result.verdict, 'ok', result.detail);
        assert.match(result.detail, /^nova-lsp-probe: ok 9\.9\.9 python 3\.\d+\.\d+$/);
    });

    it('says not installed, and how to install, when nova_lsp does not import', async () => {
        // -I -S: no site-packages, no PYTHONPATH, no current directory: nova_lsp cannot be found.
        const launch = launchFor({ interpreter: [PYTHON, '-I', '-S'] });
        const result = await runProbe(launch, { timeoutMs: 20_000 });
        assert.equal(result.verdict, 'not-installed', result.detail);
        assert.match(result.message, /nova-lsp is not installed for /);
        assert.match(result.message, /No module named 'nova_lsp'/);
        assert.ok(result.message.includes(`${PYTHON} -I -S -m pip install <nova-lsp checkout or .whl>`), result.message);
    });

    it('never imports a nova_lsp package from the workspace folder', async () => {
        const site = fakeModule('installed', '__version__ = "1.2.3"\n');
        const workspace = path.join(tmp, 'hostile');
        const marker = path.join(workspace, 'EXECUTED');
        fakeModule('hostile', `open(${JSON.stringify(marker)}, "w").close()\n__version__ = "6.6.6"\n`);
        const launch = resolveServerLaunch({ launch: { interpreter: [PYTHON], path: [] }, trusted: true, workspaceFolder: workspace, userHome: os.homedir() });
        // even if the probe ran in the folder: -P keeps it off sys.path
        const result = await runProbe({ ...launch, cwd: workspace }, { timeoutMs: 20_000, env: { ...process.env, PYTHONPATH: site } });
        assert.equal(result.verdict, 'ok', result.detail);
        assert.match(result.detail, /^nova-lsp-probe: ok 1\.2\.3 /);
        assert.equal(fs.existsSync(marker), false, 'the workspace nova_lsp/__init__.py ran');
    });

    it('tells a module that crashes on import from a missing one', async () => {
        const site = fakeModule('broken', 'raise RuntimeError("half-installed")\n');
        const result = await runProbe(launchFor({ interpreter: [PYTHON] }), {
            timeoutMs: 20_000,
            env: { ...process.env, PYTHONPATH: site },
        });
        assert.equal(result.verdict, 'failed');
        assert.match(result.message, /RuntimeError: half-installed/);
    });

    it('says not found for an interpreter that does not exist', async () => {
        const result = await runProbe(launchFor({ interpreter: [path.join(tmp, 'no', 'python3')] }), { timeoutMs: 5000 });
        assert.equal(result.verdict, 'not-found');
        assert.match(result.message, /could not start the Python interpreter .*ENOENT/);
    });

    it('gives up on an executable that does not answer in time', posixOnly, async () => {
        const started = Date.now();
        const result = await runProbe(launchFor({ path: ['/bin/sh', '-c', 'sleep 30', '--'] }), { timeoutMs: 300 });
        assert.equal(result.verdict, 'timeout');
        assert.ok(Date.now() - started < 10_000);
    });

    it('reports the error of a nova-lsp executable that fails', posixOnly, async () => {
        const result = await runProbe(launchFor({ path: ['/bin/sh', '-c', 'echo "bad interpreter" >&2; exit 1', '--'] }), {
            timeoutMs: 5000,
        });
        assert.equal(result.verdict, 'failed');
        assert.match(result.message, /the nova-lsp executable \/bin\/sh: bad interpreter/);
    });
});

describe('classifyProbe', () => {
    it('says an interpreter without -P (before Python 3.11) is too old, not that nova-lsp is missing', () => {
        const launch = resolveServerLaunch({ launch: { interpreter: ['python3.10'], path: [] }, trusted: true, userHome: '/root' });
        const result = classifyProbe(launch, {
            exitCode: 2,
            signal: null,
            stdout: '',
            stderr: "Unknown option: -P\nusage: python3.10 [option] ... [-c cmd | -m mod | file | -] [arg] ...\nTry `python -h' for more information.\n",
            timedOut: false,
        });
        assert.equal(result.verdict, 'failed');
        assert.match(result.message, /needs Python 3\.11 or newer, and the Python interpreter python3\.10 is older/);
    });

    it('does not call a failing nova-lsp executable "not installed" even if it prints No module named', () => {
        const launch = resolveServerLaunch({ launch: { interpreter: [], path: ['/usr/bin/nova-lsp'] }, trusted: true, userHome: '/root' });
        const result = classifyProbe(launch, {
            exitCode: 1,
            signal: null,
            stdout: '',
            stderr: "ModuleNotFoundError: No module named 'pygls'\n",
            timedOut: false,
        });
        assert.equal(result.verdict, 'failed');
    });
});
