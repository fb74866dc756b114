/** No crash loop: which unexpected server exits lead to a restart. */

import * as assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { CRASH_WINDOW_MS, MAX_RESTARTS_IN_WINDOW, decideAfterCrash } from '../../src/common/restartPolicy';

describe('decideAfterCrash', () => {
    it('never restarts a server that died before initialize finished', () => {
        const decision = decideAfterCrash([], 1000, false);
        assert.equal(decision.restart, false);
        assert.equal(decision.reason, 'exited while starting');
    });

    it('restarts a running server twice within three minutes, then gives up', () => {
        assert.equal(MAX_RESTARTS_IN_WINDOW, 2);
        let history: number[] = [];
        const outcomes: boolean[] = [];
        for (const now of [10_000, 20_000, 30_000]) {
            const decision = decideAfterCrash(history, now, true);
            history = decision.history;
            outcomes.push(decision.restart);
        }
        assert.deepEqual(outcomes, [true, true, false]);
        assert.match(decideAfterCrash([10_000, 20_000], 30_000, true).reason, /3 times in 3 minutes/);
    });

    it('forgets crashes older than the window', () => {
        const decision = decideAfterCrash([0, 1000], 1000 + CRASH_WINDOW_MS, true);
        assert.equal(decision.restart, true);
        assert.deepEqual(decision.history, [1000 + CRASH_WINDOW_MS]);
    });
});
