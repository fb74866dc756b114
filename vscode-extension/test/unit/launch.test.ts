/**
 * Which program starts the server: nova-lsp.path, then nova-lsp.interpreter, then the Python
 * extension's interpreter (trusted workspaces only), then python3; with what arguments,
 * working directory and environment.
 */

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
    LaunchContext,
    PROBE_SCRIPT,
    defaultInterpreter,
    describeLaunch,
    expandVariables,
    readSettings,
    resolveServerLaunch,
} from '../../src/common/settings';
import { fakeConfiguration } from '../helpers/manifest';

const FOLDER = '/home/dev/nova';
const HOME = '/home/dev';

function context(overrides: Partial<LaunchContext> = {}): LaunchContext {
    return {
        launch: { interpreter: [], path: [] },
        trusted: true,
        workspaceFolder: FOLDER,
        userHome: HOME,
        env: { VIRTUAL_ENV: '/opt/venv' },
        platform: 'linux',
        ...overrides,
    };
}

describe('resolveServerLaunch', () => {
    it('falls back to python3 -P -m nova_lsp serve, outside the workspace folder', () => {
        const launch = resolveServerLaunch(context());
        assert.equal(launch.source, 'default');
        assert.equal(launch.command, 'python3');
        assert.deepEqual(launch.args, ['-P', '-m', 'nova_lsp', 'serve']);
        assert.deepEqual(launch.interpreter, ['python3']);
        assert.equal(launch.cwd, HOME);
        assert.deepEqual(launch.env, { PYTHONUNBUFFERED: '1', PYTHONSAFEPATH: '1' });
        assert.deepEqual(launch.probe, { command: 'python3', args: ['-P', '-c', PROBE_SCRIPT] });
        assert.equal(launch.installCommand, 'python3 -m pip install <nova-lsp checkout or .whl>');
    });

    it('uses the Python extension interpreter when no setting names one', () => {
        const launch = resolveServerLaunch(context({ pythonExtensionInterpreter: ['/opt/venv/bin/python'] }));
        assert.equal(launch.source, 'python extension');
        assert.equal(launch.command, '/opt/venv/bin/python');
        assert.deepEqual(launch.args, ['-P', '-m', 'nova_lsp', 'serve']);
        assert.match(launch.installHint, /not on PyPI yet.*\/opt\/venv\/bin\/python -m pip install <nova-lsp checkout or \.whl>/);
    });

    it('prefers nova-lsp.interpreter over the Python extension, keeping its extra arguments', () => {
        const launch = resolveServerLaunch(
            context({ launch: { interpreter: ['py', '-3.12'], path: [] }, pythonExtensionInterpreter: ['/opt/venv/bin/python'] }),
        );
        assert.equal(launch.source, 'nova-lsp.interpreter');
        assert.equal(launch.command, 'py');
        assert.deepEqual(launch.args, ['-3.12', '-P', '-m', 'nova_lsp', 'serve']);
        assert.deepEqual(launch.probe.args, ['-3.12', '-P', '-c', PROBE_SCRIPT]);
        assert.equal(launch.installCommand, 'py -3.12 -m pip install <nova-lsp checkout or .whl>');
    });

    it('prefers nova-lsp.path over everything and runs `<path> serve`', () => {
        const launch = resolveServerLaunch(
            context({
                launch: { interpreter: ['/usr/bin/python3'], path: ['/usr/local/bin/nova-lsp', '--verbose'] },
                pythonExtensionInterpreter: ['/opt/venv/bin/python'],
            }),
        );
        assert.equal(launch.source, 'nova-lsp.path');
        assert.equal(launch.command, '/usr/local/bin/nova-lsp');
        assert.deepEqual(launch.args, ['--verbose', 'serve']);
        assert.equal(launch.interpreter, undefined);
        assert.deepEqual(launch.probe, { command: '/usr/local/bin/nova-lsp', args: ['--verbose', '--version'] });
        assert.equal(launch.installCommand, undefined);
    });

    it('never uses the Python extension interpreter in an untrusted workspace, nor starts in its folder', () => {
        const launch = resolveServerLaunch(context({ trusted: false, pythonExtensionInterpreter: ['/ws/.venv/bin/python'] }));
        assert.equal(launch.source, 'default');
        assert.equal(launch.command, 'python3');
        assert.equal(launch.cwd, HOME);
        assert.equal(launch.env.PYTHONSAFEPATH, '1', 'a nova_lsp package in the workspace must not shadow the real one');
    });

    it('keeps the workspace off sys.path in a trusted workspace too: never its folder as working directory, -P and PYTHONSAFEPATH', () => {
        for (const launch of [
            resolveServerLaunch(context()),
            resolveServerLaunch(context({ pythonExtensionInterpreter: ['/ws/.venv/bin/python'] })),
            resolveServerLaunch(context({ launch: { interpreter: ['${workspaceFolder}/.venv/bin/python'], path: [] } })),
        ]) {
            assert.equal(launch.cwd, HOME, describeLaunch(launch));
            assert.equal(launch.env.PYTHONSAFEPATH, '1');
            assert.equal(launch.args[launch.args.indexOf('-m') - 1], '-P', describeLaunch(launch));
            assert.equal(launch.probe.args[launch.probe.args.indexOf('-c') - 1], '-P');
        }
        const executable = resolveServerLaunch(context({ launch: { interpreter: [], path: ['/usr/local/bin/nova-lsp'] } }));
        assert.equal(executable.cwd, HOME);
        assert.equal(executable.env.PYTHONSAFEPATH, '1', 'also for a wrapper script that runs python -m nova_lsp');
    });

    it('runs what the user settings name in an untrusted workspace, end to end from the configuration', () => {
        const settings = readSettings(
            fakeConfiguration({ user: { interpreter: ['/usr/bin/python3'] }, workspace: { path: ['./tools/nova-lsp'] } }),
            { trusted: false },
        );
        const launch = resolveServerLaunch(context({ launch: settings.launch, trusted: false }));
        assert.equal(launch.command, '/usr/bin/python3');
        assert.equal(launch.source, 'nova-lsp.interpreter');
    });

    it('expands variables and resolves relative programs against the workspace folder', () => {
        assert.equal(
            resolveServerLaunch(context({ launch: { interpreter: ['${workspaceFolder}/.venv/bin/python'], path: [] } })).command,
            `${FOLDER}/.venv/bin/python`,
        );
        assert.equal(resolveServerLaunch(context({ launch: { interpreter: ['.venv/bin/python'], path: [] } })).command, `${FOLDER}/.venv/bin/python`);
        assert.equal(resolveServerLaunch(context({ launch: { interpreter: ['~/py/bin/python'], path: [] } })).command, `${HOME}/py/bin/python`);
        assert.equal(resolveServerLaunch(context({ launch: { interpreter: ['${env:VIRTUAL_ENV}/bin/python'], path: [] } })).command, '/opt/venv/bin/python');
        assert.equal(resolveServerLaunch(context({ launch: { interpreter: ['python3.12'], path: [] } })).command, 'python3.12', 'a bare name is looked up on PATH');
        assert.equal(resolveServerLaunch(context({ launch: { interpreter: [], path: ['${userHome}/.local/bin/nova-lsp'] } })).command, `${HOME}/.local/bin/nova-lsp`);
    });

    it('uses python on Windows when nothing else is known', () => {
        assert.deepEqual(defaultInterpreter('win32'), ['python']);
        assert.deepEqual(defaultInterpreter('linux'), ['python3']);
        const launch = resolveServerLaunch(context({ platform: 'win32', workspaceFolder: 'C:\\src\\nova', userHome: 'C:\\Users\\dev' }));
        assert.equal(launch.command, 'python');
        assert.equal(
            resolveServerLaunch(context({ platform: 'win32', workspaceFolder: 'C:\\src\\nova', launch: { interpreter: ['.venv\\Scripts\\python.exe'], path: [] } })).command,
            'C:\\src\\nova\\.venv\\Scripts\\python.exe',
        );
    });

    it('quotes programs with spaces in the install command and the description', () => {
        const launch = resolveServerLaunch(context({ launch: { interpreter: ['/opt/my env/bin/python'], path: [] } }));
        assert.equal(launch.installCommand, "'/opt/my env/bin/python' -m pip install <nova-lsp checkout or .whl>");
        assert.equal(describeLaunch(launch), "'/opt/my env/bin/python' -P -m nova_lsp serve (from nova-lsp.interpreter)");
    });
});

describe('expandVariables', () => {
    it('leaves unknown variables alone and empties unset environment variables', () => {
        const ctx = { workspaceFolder: FOLDER, userHome: HOME, env: {} };
        assert.equal(expandVariables('${config:python.path}', ctx), '${config:python.path}');
        assert.equal(expandVariables('${env:NOPE}/python', ctx), '/python');
        assert.equal(expandVariables('${workspaceFolder}', { userHome: HOME }), '${workspaceFolder}');
        assert.equal(expandVariables('a~b', ctx), 'a~b');
    });
});

describe('PROBE_SCRIPT', () => {
    it('imports the module the server runs and exits 3 when it is missing', () => {
        assert.match(PROBE_SCRIPT, /^ {4}import nova_lsp$/m);
        assert.match(PROBE_SCRIPT, /sys\.exit\(3\)/);
    });
});
