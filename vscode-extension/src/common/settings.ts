/**
 * Settings: the `nova-lsp.*` configuration read into plain, validated values; the part the
 * server receives (initializationOptions and `workspace/configuration`); and how the server
 * process is started (command, arguments, working directory, environment).
 *
 * Pure functions only, no `vscode` import: the extension passes in a
 * `vscode.WorkspaceConfiguration` (it satisfies `ConfigurationReader`), the unit tests a fake,
 * and the integration test starts the server through `resolveServerLaunch` exactly as the
 * extension does.
 */

import * as path from 'node:path';

import { CONFIG_SECTION, SERVER_MODULE } from './constants';

export type RunMode = 'onType' | 'onSave';
export type SeverityName = 'error' | 'warning' | 'information' | 'hint';

export const RUN_MODES: readonly RunMode[] = ['onType', 'onSave'];
export const SEVERITY_NAMES: readonly SeverityName[] = ['error', 'warning', 'information', 'hint'];
export const DEFAULT_DEBOUNCE_MS = 200;
export const MAX_DEBOUNCE_MS = 10_000;

/** What the server understands, camelCase, as sent in initializationOptions. */
export interface ServerSettings {
    enable: boolean;
    debounce: number;
    run: RunMode;
    /** The rest is sent only when set in VS Code, so `[tool.nova-lsp]` in pyproject.toml applies otherwise. */
    select?: string[];
    extendSelect?: string[];
    ignore?: string[];
    exclude?: string[];
    extendExclude?: string[];
    severity?: Record<string, SeverityName>;
    rules?: Record<string, Record<string, unknown>>;
    maxFileSize?: number | string;
    timeBudget?: number;
}

/** Client-only settings that choose the server process. */
export interface LaunchSettings {
    interpreter: string[];
    path: string[];
}

export interface Settings {
    server: ServerSettings;
    launch: LaunchSettings;
    /** Human-readable complaints about values that were ignored. */
    problems: string[];
}

/** The subset of `vscode.ConfigurationInspect` this module reads. */
export interface ConfigurationInspection<T> {
    defaultValue?: T;
    globalValue?: T;
    workspaceValue?: T;
    workspaceFolderValue?: T;
}

/** The subset of `vscode.WorkspaceConfiguration` (for the `nova-lsp` section) this module reads. */
export interface ConfigurationReader {
    inspect<T>(key: string): ConfigurationInspection<T> | undefined;
}

/**
 * Settings a workspace must not choose in an untrusted workspace: they name a program to run.
 * Mirrors `capabilities.untrustedWorkspaces.restrictedConfigurations` in package.json.
 */
export const RESTRICTED_SETTINGS: readonly string[] = ['interpreter', 'path'];

/** Settings that only take effect when the server process is started again. */
export const RESTART_SETTINGS: readonly string[] = RESTRICTED_SETTINGS.map((key) => `${CONFIG_SECTION}.${key}`);

interface Lookup {
    value: unknown;
    explicit: boolean;
}

function lookup(config: ConfigurationReader, key: string, trusted: boolean): Lookup {
    const inspected = config.inspect<unknown>(key);
    if (!inspected) {
        return { value: undefined, explicit: false };
    }
    const restricted = RESTRICTED_SETTINGS.includes(key);
    const chosen =
        !trusted && restricted
            ? inspected.globalValue
            : (inspected.workspaceFolderValue ?? inspected.workspaceValue ?? inspected.globalValue);
    if (chosen !== undefined) {
        return { value: chosen, explicit: true };
    }
    return { value: inspected.defaultValue, explicit: false };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringList(value: unknown, key: string, problems: string[]): string[] | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
        problems.push(`${CONFIG_SECTION}.${key} must be a list of strings; ignored`);
        return undefined;
    }
    return value.map((item: string) => item.trim()).filter((item) => item.length > 0);
}

function severityMap(value: unknown, problems: string[]): Record<string, SeverityName> | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!isPlainObject(value)) {
        problems.push(`${CONFIG_SECTION}.severity must be an object of rule → severity; ignored`);
        return undefined;
    }
    const out: Record<string, SeverityName> = {};
    for (const [rule, level] of Object.entries(value)) {
        const name = typeof level === 'string' ? level.trim().toLowerCase() : level;
        if (typeof name === 'string' && (SEVERITY_NAMES as readonly string[]).includes(name)) {
            out[rule] = name as SeverityName;
        } else {
            problems.push(
                `${CONFIG_SECTION}.severity.${rule}: ${JSON.stringify(level)} is not one of ${SEVERITY_NAMES.join(', ')}; ignored`,
            );
        }
    }
    return out;
}

function ruleOptions(value: unknown, problems: string[]): Record<string, Record<string, unknown>> | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!isPlainObject(value)) {
        problems.push(`${CONFIG_SECTION}.rules must be an object of rule name → options; ignored`);
        return undefined;
    }
    const out: Record<string, Record<string, unknown>> = {};
    for (const [rule, options] of Object.entries(value)) {
        if (isPlainObject(options)) {
            out[rule] = options;
        } else {
            problems.push(`${CONFIG_SECTION}.rules.${rule} must be an object of options; ignored`);
        }
    }
    return out;
}

function debounceMs(value: unknown, problems: string[]): number {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
        if (value !== undefined) {
            problems.push(`${CONFIG_SECTION}.debounce must be a number of milliseconds; using ${DEFAULT_DEBOUNCE_MS}`);
        }
        return DEFAULT_DEBOUNCE_MS;
    }
    return Math.min(Math.max(Math.round(value), 0), MAX_DEBOUNCE_MS);
}

function runMode(value: unknown, problems: string[]): RunMode {
    if (typeof value === 'string' && (RUN_MODES as readonly string[]).includes(value)) {
        return value as RunMode;
    }
    if (value !== undefined) {
        problems.push(`${CONFIG_SECTION}.run must be "onType" or "onSave"; using "onType"`);
    }
    return 'onType';
}

/**
 * Reads the `nova-lsp` section.  Rule selection, severities, rule options and excludes are
 * included only when the user set them, so project configuration (pyproject.toml) is not
 * overridden by VS Code's defaults.  In an untrusted workspace `interpreter` and `path` come
 * from the user settings only, never from the workspace.
 */
export function readSettings(config: ConfigurationReader, options: { trusted: boolean }): Settings {
    const problems: string[] = [];
    const get = (key: string): Lookup => lookup(config, key, options.trusted);

    const enable = get('enable').value;
    const server: ServerSettings = {
        enable: typeof enable === 'boolean' ? enable : true,
        debounce: debounceMs(get('debounce').value, problems),
        run: runMode(get('run').value, problems),
    };
    for (const key of ['select', 'extendSelect', 'ignore', 'exclude', 'extendExclude'] as const) {
        const found = get(key);
        if (found.explicit) {
            const list = stringList(found.value, key, problems);
            // An empty `select` would silence every rule; `enable: false` says that clearly.
            if (list !== undefined && !(key === 'select' && list.length === 0)) {
                server[key] = list;
            }
        }
    }
    const severity = get('severity');
    if (severity.explicit) {
        const map = severityMap(severity.value, problems);
        if (map !== undefined && Object.keys(map).length > 0) {
            server.severity = map;
        }
    }
    const rules = get('rules');
    if (rules.explicit) {
        const map = ruleOptions(rules.value, problems);
        if (map !== undefined && Object.keys(map).length > 0) {
            server.rules = map;
        }
    }
    const maxFileSize = get('maxFileSize');
    if (maxFileSize.explicit && maxFileSize.value !== null && maxFileSize.value !== undefined) {
        if ((typeof maxFileSize.value === 'number' && maxFileSize.value > 0) || typeof maxFileSize.value === 'string') {
            server.maxFileSize = maxFileSize.value; // the server checks a size string ("8 MiB")
        } else {
            problems.push(`${CONFIG_SECTION}.maxFileSize must be a positive number of bytes or a size such as "8 MiB"`);
        }
    }
    const timeBudget = get('timeBudget');
    if (timeBudget.explicit && timeBudget.value !== null && timeBudget.value !== undefined) {
        if (typeof timeBudget.value === 'number' && timeBudget.value > 0) {
            server.timeBudget = timeBudget.value;
        } else {
            problems.push(`${CONFIG_SECTION}.timeBudget must be a number of seconds above 0`);
        }
    }
    const launch: LaunchSettings = {
        interpreter: stringList(get('interpreter').value, 'interpreter', problems) ?? [],
        path: stringList(get('path').value, 'path', problems) ?? [],
    };
    return { server, launch, problems };
}

/** A JSON-ready copy of the server settings: initializationOptions and `workspace/configuration` answers. */
export function toServerPayload(settings: ServerSettings): Record<string, unknown> {
    const payload: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(settings)) {
        if (value !== undefined) {
            payload[key] = JSON.parse(JSON.stringify(value)) as unknown;
        }
    }
    return payload;
}

/** Whether a configuration change (given VS Code's `affectsConfiguration`) needs a new server process. */
export function needsRestart(affectsConfiguration: (section: string) => boolean): boolean {
    return RESTART_SETTINGS.some((section) => affectsConfiguration(section));
}

// ---------------------------------------------------------------------------------------------
// Server command resolution

export type LaunchSource = 'nova-lsp.path' | 'nova-lsp.interpreter' | 'python extension' | 'default';

export interface ServerLaunch {
    /** Where the command came from, for messages and the status tooltip. */
    source: LaunchSource;
    command: string;
    args: string[];
    /** The interpreter command when the server runs as `python -P -m nova_lsp serve`. */
    interpreter?: string[];
    /** A quick command that tells whether the server can start at all. */
    probe: { command: string; args: string[] };
    /** How to install nova-lsp for this launch, shown when the probe fails. */
    installHint: string;
    /** The shell command that installs nova-lsp into the interpreter (interpreter launches only). */
    installCommand?: string;
    cwd: string;
    /** Variables added to the inherited environment. */
    env: Record<string, string>;
}

export interface LaunchContext {
    launch: LaunchSettings;
    /** The interpreter selected in the Python extension, if any (e.g. `["/venv/bin/python"]`). */
    pythonExtensionInterpreter?: string[];
    trusted: boolean;
    /** The folder the server runs for (relative programs are resolved against it; never the working directory). */
    workspaceFolder?: string;
    userHome: string;
    env?: Record<string, string | undefined>;
    platform?: NodeJS.Platform;
}

/** Checks that `nova_lsp` imports and reports its version (the server runs the same module). */
export const PROBE_SCRIPT = [
    'import sys',
    'try:',
    `    import ${SERVER_MODULE}`,
    'except ImportError as exc:',
    "    sys.stderr.write('nova-lsp-probe: %s\\n' % (exc,))",
    '    sys.exit(3)',
    `sys.stdout.write('nova-lsp-probe: ok %s python %d.%d.%d\\n' % ((getattr(${SERVER_MODULE}, '__version__', '?'),) + tuple(sys.version_info[:3])))`,
].join('\n');

/** Exit status of `PROBE_SCRIPT` when the module is not importable. */
export const PROBE_EXIT_NOT_INSTALLED = 3;

export function defaultInterpreter(platform: NodeJS.Platform = process.platform): string[] {
    return [platform === 'win32' ? 'python' : 'python3'];
}

/**
 * Expands `${workspaceFolder}`, `${userHome}`, `${env:NAME}` and a leading `~` in one setting
 * value; unknown variables are left as they are.
 */
export function expandVariables(
    value: string,
    context: Pick<LaunchContext, 'workspaceFolder' | 'userHome' | 'env'>,
): string {
    let out = value.replace(/\$\{(workspaceFolder|userHome|env:([A-Za-z_][A-Za-z0-9_]*))\}/g, (match, name: string, envName?: string) => {
        if (name === 'workspaceFolder') {
            return context.workspaceFolder ?? match;
        }
        if (name === 'userHome') {
            return context.userHome;
        }
        return (envName !== undefined ? context.env?.[envName] : undefined) ?? '';
    });
    if (out === '~' || out.startsWith('~/') || out.startsWith('~\\')) {
        out = context.userHome + out.slice(1);
    }
    return out;
}

/** A relative program path containing a separator (`.venv/bin/python`) is relative to the folder. */
function resolveProgram(program: string, context: LaunchContext): string {
    const pathApi = context.platform === 'win32' ? path.win32 : path.posix;
    const hasSeparator = program.includes('/') || (context.platform === 'win32' && program.includes('\\'));
    if (hasSeparator && !pathApi.isAbsolute(program) && context.workspaceFolder !== undefined) {
        return pathApi.resolve(context.workspaceFolder, program);
    }
    return program;
}

function quoteForShell(words: string[]): string {
    return words.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, "'\\''")}'`)).join(' ');
}

/**
 * Python options that keep the checked workspace off `sys.path`: `-P` (Python 3.11+, which
 * nova-lsp requires) stops `-m`/`-c` from putting the working directory first on `sys.path`,
 * where a workspace's `nova_lsp/`, `argparse.py` or `astroid/` would be imported instead of
 * the real ones.  An interpreter too old to know `-P` refuses to start rather than run
 * without it (see `classifyProbe`).
 */
export const SAFE_PATH_OPTION = '-P';

/**
 * The server command, in order of precedence: `nova-lsp.path` (`<path> serve`), then
 * `nova-lsp.interpreter`, the Python extension's interpreter (trusted workspaces only) or
 * `python3`, run as `<interpreter> -P -m nova_lsp serve`.
 *
 * Trusted or not, nothing of the workspace is imported: the process starts in the user's home
 * directory (never the workspace folder: a relative or empty `PYTHONPATH` entry is resolved
 * against the working directory), with `-P` and `PYTHONSAFEPATH=1` (which also covers a
 * `nova-lsp.path` wrapper script that runs `python -m nova_lsp`).  See docs/security.md.
 */
export function resolveServerLaunch(context: LaunchContext): ServerLaunch {
    const expand = (words: string[]): string[] => {
        const expanded = words.map((word) => expandVariables(word, context));
        return [resolveProgram(expanded[0], context), ...expanded.slice(1)];
    };
    const cwd = context.userHome;
    const env: Record<string, string> = { PYTHONUNBUFFERED: '1', PYTHONSAFEPATH: '1' };

    if (context.launch.path.length > 0) {
        const executable = expand(context.launch.path);
        return {
            source: 'nova-lsp.path',
            command: executable[0],
            args: [...executable.slice(1), 'serve'],
            probe: { command: executable[0], args: [...executable.slice(1), '--version'] },
            installHint: `Check that ${quoteForShell(executable)} exists, or install nova-lsp with \`pipx install nova-lsp\`.`,
            cwd,
            env,
        };
    }

    let source: LaunchSource;
    let interpreter: string[];
    if (context.launch.interpreter.length > 0) {
        source = 'nova-lsp.interpreter';
        interpreter = expand(context.launch.interpreter);
    } else if (context.trusted && context.pythonExtensionInterpreter && context.pythonExtensionInterpreter.length > 0) {
        source = 'python extension';
        interpreter = [...context.pythonExtensionInterpreter];
    } else {
        source = 'default';
        interpreter = defaultInterpreter(context.platform);
    }
    const rest = interpreter.slice(1);
    // nova-lsp is not on PyPI yet: it installs from a checkout of its repository or from a
    // wheel built from one (`python3 -m pip wheel --no-deps <checkout>`)
    const installCommand = `${quoteForShell([...interpreter, '-m', 'pip', 'install'])} ${CHECKOUT_PLACEHOLDER}`;
    return {
        source,
        command: interpreter[0],
        args: [...rest, SAFE_PATH_OPTION, '-m', SERVER_MODULE, 'serve'],
        interpreter,
        probe: { command: interpreter[0], args: [...rest, SAFE_PATH_OPTION, '-c', PROBE_SCRIPT] },
        installHint: `nova-lsp is not on PyPI yet: install it from a checkout of nova-lsp or a wheel built from one, with \`${installCommand}\`, or choose another interpreter in the nova-lsp.interpreter setting.`,
        installCommand,
        cwd,
        env,
    };
}

/** One line for logs and tooltips: `/usr/bin/python3 -P -m nova_lsp serve (from nova-lsp.interpreter)`. */
export const CHECKOUT_PLACEHOLDER = '<nova-lsp checkout or .whl>';

export function describeLaunch(launch: ServerLaunch): string {
    return `${quoteForShell([launch.command, ...launch.args])} (from ${launch.source})`;
}
