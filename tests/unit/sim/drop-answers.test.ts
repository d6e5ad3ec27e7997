import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCli } from '../../../infra/local/onedata-sim/cli.ts';
import { startOnedataSim } from '../../../infra/local/onedata-sim/index.ts';
import { KnobError, takeDropAnswer, validateKnobs } from '../../../infra/local/onedata-sim/knobs.ts';

/**
 * The simulator's `dropAnswers` knob: the next call matching a rule has its effect, then its
 * answer is lost (the fault suite aims it at one create call of one dataset). Guards the matching
 * (method, whole path, body text), the use-up count, and that the effect happens before the drop.
 */
type Sim = Awaited<ReturnType<typeof startOnedataSim>>;
let sim: Sim;
beforeAll(async () => {
  sim = await startOnedataSim({ latencyMs: 0, propagationDelayMs: 0 });
});
afterAll(async () => {
  await sim?.close();
});

const createGroup = (name: string) =>
  fetch(`${sim.url}/api/v3/onezone/groups/${sim.info.userGroupId}/children`, {
    method: 'POST',
    headers: { 'x-auth-token': sim.info.token, 'content-type': 'application/json' },
    body: JSON.stringify({ name, type: 'team' }),
  });
const groupsNamed = (name: string) => (sim.state() as { groups: { name: string }[] }).groups.filter((g) => g.name === name).length;

describe('dropAnswers', () => {
  it('applies the aimed call, drops its answer once, and leaves other calls alone', async () => {
    sim.configure({ dropAnswers: [{ method: 'post', path: '/api/v3/onezone/groups/[^/]+/children', bodyContains: 'aimed_1' }] });
    // Another body: answered normally.
    expect((await createGroup('other_1')).status).toBe(201);
    // The aimed call: the connection drops, but the group exists.
    await expect(createGroup('aimed_1')).rejects.toThrow();
    expect(groupsNamed('aimed_1')).toBe(1);
    const lost = sim.requests().filter((e) => e.fault === 'lostResponse');
    expect(lost.map((e) => [e.method, e.path, e.status])).toEqual([['POST', `/api/v3/onezone/groups/${sim.info.userGroupId}/children`, 201]]);
    // Used up: the same call again is answered.
    expect(sim.knobs().dropAnswers).toEqual([]);
    expect((await createGroup('aimed_1')).status).toBe(201);
  });

  it('matches the whole path, and `times` counts the drops', () => {
    const rules = validateKnobs({ dropAnswers: [{ method: 'PUT', path: '/a/[^/]+', times: 2 }] }).dropAnswers!;
    expect(takeDropAnswer(rules, 'PUT', '/a/x/y', '').drop).toBe(false);
    const first = takeDropAnswer(rules, 'PUT', '/a/x', '');
    expect(first).toEqual({ drop: true, rest: [{ method: 'PUT', path: '/a/[^/]+', times: 1 }] });
    expect(takeDropAnswer(first.rest, 'PUT', '/a/y', '')).toEqual({ drop: true, rest: [] });
  });

  it('rejects malformed rules, and the CLI takes them as JSON', () => {
    expect(() => validateKnobs({ dropAnswers: {} })).toThrow(KnobError);
    expect(() => validateKnobs({ dropAnswers: [{ method: 'POST' }] })).toThrow(/method and a path/);
    expect(() => validateKnobs({ dropAnswers: [{ method: 'POST', path: '(' }] })).toThrow(/regular expression/);
    expect(() => validateKnobs({ dropAnswers: [{ method: 'POST', path: '/x', times: 0 }] })).toThrow(/positive integer/);
    expect(parseCli(['--drop-answers', '[{"method":"POST","path":"/x"}]'], {}).dropAnswers).toEqual([{ method: 'POST', path: '/x' }]);
  });
});
