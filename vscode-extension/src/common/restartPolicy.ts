/**
 * When a server that stopped on its own is started again, as a pure function: never when it
 * died before finishing `initialize` (it would die again: a missing dependency, a bad
 * argument), otherwise at most `maxRestarts` times within `windowMs`.  vscode-languageclient's
 * default would restart it up to four times and then give up with its own dialog.
 */

export const CRASH_WINDOW_MS = 3 * 60_000;
export const MAX_RESTARTS_IN_WINDOW = 2;

export interface CrashDecision {
    restart: boolean;
    /** The crash times to remember, this one included. */
    history: number[];
    /** For the user when not restarting: "exited while starting", "stopped unexpectedly 3 times …". */
    reason: string;
}

export function decideAfterCrash(
    history: readonly number[],
    now: number,
    initialized: boolean,
    limits: { windowMs: number; maxRestarts: number } = { windowMs: CRASH_WINDOW_MS, maxRestarts: MAX_RESTARTS_IN_WINDOW },
): CrashDecision {
    if (!initialized) {
        return { restart: false, history: [...history], reason: 'exited while starting' };
    }
    const recent = [...history.filter((time) => now - time < limits.windowMs), now];
    if (recent.length <= limits.maxRestarts) {
        return { restart: true, history: recent, reason: `stopped unexpectedly (restart ${recent.length} of ${limits.maxRestarts})` };
    }
    const minutes = Math.round(limits.windowMs / 60_000);
    return {
        restart: false,
        history: recent,
        reason: `stopped unexpectedly ${recent.length} times in ${minutes} minutes and was not restarted`,
    };
}
