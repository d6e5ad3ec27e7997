import { describe, expect, it } from 'vitest';
import { createLogger, SecretScope } from '../../../shared/log/index.ts';
import type { SagaRun } from '../../../shared/provisioning/context.ts';
import { SimulatedCrashError } from '../../../shared/provisioning/errors.ts';
import { crashAfterStepHook, shouldCrashAfter } from '../../../shared/provisioning/fault-hook.ts';
import { runSaga, StepFailedError } from '../../../shared/provisioning/saga.ts';
import { PROVISIONING_STEPS, type StepDef } from '../../../shared/provisioning/steps.ts';
import { newDatasetState } from '../../../shared/state/dataset-state.ts';
import { datasetRef } from '../../../shared/dataset/ref.ts';

function fakeRun(completed: Record<string, string> = {}): SagaRun {
  const state = newDatasetState(datasetRef('b', 'd', 'Run1'));
  state.completedSteps = completed;
  return {
    deps: { config: { importMetadata: true } } as SagaRun['deps'],
    record: { state, etag: 'e' },
    metadata: { key: 'd/Run1/SPA.yml', fileName: 'SPA.yml', etag: 'm', text: '', doc: {} },
    name: 'Run1',
    mayHaveRunBefore: false,
    confirmLease: async () => undefined,
    log: createLogger({ test: true }),
    outputs: state.outputs,
    redaction: new SecretScope(),
  };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('runSaga', () => {
  it('starts independent steps together and a step only after everything it needs is recorded', async () => {
    const events: string[] = [];
    const step = (name: string, needs: string[] = []): StepDef => ({
      name,
      needs,
      run: async () => {
        events.push(`start ${name}`);
        await tick();
        events.push(`end ${name}`);
        return {};
      },
    });
    await runSaga(fakeRun(), [step('a'), step('b'), step('c', ['a', 'b'])], async (s) => void events.push(`record ${s}`));
    expect(events.slice(0, 2).sort()).toEqual(['start a', 'start b']);
    const cStart = events.indexOf('start c');
    expect(cStart).toBeGreaterThan(events.indexOf('record a'));
    expect(cStart).toBeGreaterThan(events.indexOf('record b'));
  });

  it('skips steps the record says are done and passes outputs on', async () => {
    const ran: string[] = [];
    const run = fakeRun({ a: 'earlier' });
    run.outputs.spaceId = 's1';
    await runSaga(
      run,
      [
        { name: 'a', needs: [], run: async () => (ran.push('a'), { spaceId: 'other' }) },
        { name: 'b', needs: ['a'], run: async (r) => (ran.push(`b:${r.outputs.spaceId}`), { groupId: 'g1' }) },
      ],
      async () => undefined,
    );
    expect(ran).toEqual(['b:s1']);
    expect(run.outputs.groupId).toBe('g1');
  });

  it('lets running steps finish and record when one fails, starts nothing new, and throws the failure', async () => {
    const recorded: string[] = [];
    const failing: StepDef = { name: 'bad', needs: [], run: async () => Promise.reject(new Error('boom')) };
    const slow: StepDef = { name: 'slow', needs: [], run: async () => (await tick(), { storageId: 'st' }) };
    const after: StepDef = { name: 'after', needs: ['slow'], run: async () => ({}) };
    const err = await runSaga(fakeRun(), [failing, slow, after], async (s) => void recorded.push(s)).catch((e) => e);
    expect(err).toBeInstanceOf(StepFailedError);
    expect((err as StepFailedError).step).toBe('bad');
    expect(recorded).toEqual(['slow']);
  });

  it('skips a disabled step but counts it as done', async () => {
    const recorded: string[] = [];
    await runSaga(
      fakeRun(),
      [{ name: 'opt', needs: [], enabled: () => false, run: async () => Promise.reject(new Error('must not run')) }],
      async (s) => void recorded.push(s),
    );
    expect(recorded).toEqual(['opt']);
  });

  it('simulates a crash right after recording the named step (the injected fault hook)', async () => {
    const recorded: string[] = [];
    const run = fakeRun();
    run.deps.crashAfterStep = crashAfterStepHook('a@Run1');
    const err = await runSaga(
      run,
      [
        { name: 'a', needs: [], run: async () => ({}) },
        { name: 'b', needs: ['a'], run: async () => ({}) },
      ],
      async (s) => void recorded.push(s),
    ).catch((e) => e);
    expect(err).toBeInstanceOf(SimulatedCrashError);
    expect(recorded).toEqual(['a']);
    expect(crashAfterStepHook(undefined)).toBeUndefined();
    expect(shouldCrashAfter('a', 'Run2', 'a@Run1,b')).toBe(false);
    expect(shouldCrashAfter('b', 'Run2', 'a@Run1,b')).toBe(true);
  });

  // Guards staged recording (runSaga's `staged`; the flags in steps.ts): outputs wait for the next
  // write unless a step says otherwise, so a run writes its record a handful of times, not once per
  // step. Each expectation below fails if its rule is removed.
  describe('with staged outputs', () => {
    const harness = () => {
      const events: string[] = [];
      const staged = {
        stage: (step: string) => void events.push(`stage ${step}`),
        flush: async () => {
          events.push('flush');
          await tick();
          events.push('flushed');
        },
      };
      const write = async (step: string) => void events.push(`write ${step}`);
      const step = (name: string, needs: string[], flags: Partial<StepDef> = {}): StepDef => ({
        name,
        needs,
        ...flags,
        run: async () => (events.push(`run ${name}`), {}),
      });
      return { events, staged, write, step };
    };

    it('stages a plain step, writes a writeAtOnce step at once, and flushes before writeBefore and afterRecorded steps', async () => {
      const { events, staged, write, step } = harness();
      await runSaga(
        fakeRun(),
        [
          step('plain', []),
          step('long-wait', ['plain'], { writeBefore: true }),
          step('echoed', ['long-wait'], { writeAtOnce: true }),
          step('handoff', ['echoed'], { afterRecorded: true }),
        ],
        write,
        staged,
      );
      expect(events.filter((e) => e.startsWith('write') || e.startsWith('stage'))).toEqual(['stage plain', 'stage long-wait', 'write echoed', 'stage handoff']);
      // writeBefore flushes as it starts, without waiting for the write.
      expect(events.indexOf('flush')).toBeLessThan(events.indexOf('run long-wait'));
      expect(events.indexOf('run long-wait')).toBeLessThan(events.indexOf('flushed'));
      // afterRecorded flushes and waits for the write before it runs.
      const handoffFlush = events.lastIndexOf('flush');
      expect(handoffFlush).toBeGreaterThan(events.indexOf('write echoed'));
      expect(events.lastIndexOf('flushed')).toBeLessThan(events.indexOf('run handoff'));
    });

    it('without `staged`, writes every step as before', async () => {
      const { events, write, step } = harness();
      await runSaga(fakeRun(), [step('a', []), step('b', ['a'], { writeBefore: true })], write);
      expect(events.filter((e) => e.startsWith('write') || e.startsWith('stage') || e === 'flush')).toEqual(['write a', 'write b']);
    });

    it('the production list writes at write-back, and before the provider wait and the import', () => {
      const byName = new Map(PROVISIONING_STEPS.map((s) => [s.name, s]));
      expect(byName.get('write-back')!.writeAtOnce).toBe(true);
      expect(byName.get('wait-for-provider')!.writeBefore).toBe(true);
      expect(byName.get('start-import')!.afterRecorded).toBe(true);
      expect(PROVISIONING_STEPS.filter((s) => s.writeAtOnce).map((s) => s.name)).toEqual(['write-back']);
    });
  });

  it('the production step list has no cycle and its critical path is space/storage → support → provider → share → write-back', () => {
    const byName = new Map(PROVISIONING_STEPS.map((s) => [s.name, s]));
    const depth = (name: string): number => {
      const s = byName.get(name)!;
      return s.needs.length ? 1 + Math.max(...s.needs.map(depth)) : 1;
    };
    expect(depth('write-back')).toBe(5);
    expect(byName.get('write-back')!.needs).toEqual(expect.arrayContaining(['create-share', 'create-invite-token', 'add-group-to-space']));
    for (const s of PROVISIONING_STEPS) for (const n of s.needs) expect(byName.has(n)).toBe(true);
  });
});
