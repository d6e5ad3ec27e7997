import { describe, expect, it } from 'vitest';
import { PropagationEstimate, type PollOutcome } from '../../../shared/provisioning/propagation-estimate.ts';

/**
 * Guards the provider wait's first-poll estimate (shared/provisioning/propagation-estimate.ts,
 * used by wait-for-provider in steps.ts): learned from the polls' answers, so the first poll of
 * the next wait is answered just after the support became visible.
 */
describe('PropagationEstimate', () => {
  it('knows nothing before a wait, and ignores a wait that never saw the space', () => {
    const e = new PropagationEstimate();
    expect(e.firstPollAtMs()).toBeUndefined();
    e.learn([{ sentMs: 0, answeredMs: 27, seen: false }]);
    expect(e.firstPollAtMs()).toBeUndefined();
  });

  it('takes the middle of the last "not yet" and the answer that saw it, and polls one round trip before', () => {
    const e = new PropagationEstimate();
    e.learn([
      { sentMs: 0, answeredMs: 27, seen: false },
      { sentMs: 263, answeredMs: 290, seen: false },
      { sentMs: 303, answeredMs: 330, seen: true },
    ]);
    expect(e.firstPollAtMs()).toBe(310 - 27);
  });

  it('moves earlier when the first poll already saw the space (it may have been late)', () => {
    const e = new PropagationEstimate();
    e.learn([
      { sentMs: 263, answeredMs: 290, seen: false },
      { sentMs: 303, answeredMs: 330, seen: true },
    ]);
    const before = e.firstPollAtMs()!;
    e.learn([{ sentMs: before, answeredMs: before + 27, seen: true }]);
    expect(e.firstPollAtMs()!).toBeLessThan(before);
  });

  // Against a provider that shows the space from 300 ms on (answers take 27 ms; a "not yet" is
  // followed by another poll 20 ms later), the first poll converges onto that moment: the space
  // is seen soon after it becomes visible (median 5–6 ms late), and at most half the first polls
  // come too early (about a third). The rule it replaced (first poll at 0.8 × the average whole
  // wait) saw it ~40 ms late in the median, its first poll too early 9 times in 10.
  it('converges so that the space is seen soon after it becomes visible', () => {
    const VISIBLE = 300;
    const RTT = 27;
    const e = new PropagationEstimate();
    const lateness: number[] = [];
    let earlyFirstPolls = 0;
    for (let wait = 0; wait < 40; wait++) {
      const polls: PollOutcome[] = [];
      let sent = e.firstPollAtMs() ?? 0;
      for (;;) {
        const answered = sent + RTT;
        const seen = answered >= VISIBLE;
        polls.push({ sentMs: sent, answeredMs: answered, seen });
        if (seen) break;
        sent = answered + 20;
      }
      e.learn(polls);
      if (wait >= 10) {
        lateness.push(polls.at(-1)!.answeredMs - VISIBLE);
        if (polls.length > 1) earlyFirstPolls++;
      }
    }
    lateness.sort((a, b) => a - b);
    expect(lateness[Math.floor(lateness.length / 2)]).toBeLessThanOrEqual(12);
    expect(earlyFirstPolls).toBeLessThanOrEqual(15);
  });
});
