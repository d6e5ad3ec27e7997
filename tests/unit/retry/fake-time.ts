/** A clock that only moves when the code under test sleeps (no wall-clock waits in tests). */
export function fakeTime() {
  const state = { now: 0, sleeps: [] as number[] };
  return {
    state,
    now: () => state.now,
    sleep: async (ms: number) => {
      state.sleeps.push(ms);
      state.now += ms;
    },
  };
}
