/** One provider poll of a wait, in ms since the wait started. */
export interface PollOutcome {
  sentMs: number;
  answeredMs: number;
  /** The provider answered with the space. */
  seen: boolean;
}

/**
 * When a new support becomes visible at the Oneprovider, as this container has seen it, so that
 * the next wait's first poll is answered just after that moment: a poll that comes too early only
 * takes a request slot (under a burst, from a dataset that is creating things) and the next one
 * comes a backoff later; one that comes late adds its lateness to the dataset's critical path.
 *
 * Each wait brackets the moment: after the last "not yet" answer, at or before the answer that
 * saw the space. When there was no "not yet", the first poll was already late by an unknown
 * amount, and the sample is taken half a round trip earlier: the estimate creeps earlier until a
 * poll comes too soon, and that wait's bracket pulls it back. Samples are smoothed (the delay
 * varies with the provider's load), and the first poll is sent one round trip before the moment.
 */
export class PropagationEstimate {
  #visibleAtMs: number | undefined;
  #roundTripMs = 0;

  /** When to send a wait's first poll, in ms after its start; undefined until a wait was learned from. */
  firstPollAtMs(): number | undefined {
    return this.#visibleAtMs === undefined ? undefined : Math.max(0, this.#visibleAtMs - this.#roundTripMs);
  }

  /** Learns from the polls of a wait that ended with the space seen (in the order they were sent). */
  learn(polls: readonly PollOutcome[]): void {
    const seen = polls.find((p) => p.seen);
    if (!seen) return;
    const roundTrip = seen.answeredMs - seen.sentMs;
    const lastNotYet = polls.filter((p) => !p.seen && p.answeredMs <= seen.answeredMs).at(-1);
    const sample = lastNotYet ? (lastNotYet.answeredMs + seen.answeredMs) / 2 : seen.answeredMs - roundTrip / 2;
    const first = this.#visibleAtMs === undefined;
    this.#visibleAtMs = first ? sample : 0.7 * this.#visibleAtMs! + 0.3 * sample;
    this.#roundTripMs = first ? roundTrip : 0.7 * this.#roundTripMs + 0.3 * roundTrip;
  }
}
