import { afterEach, describe, expect, it, vi } from 'vitest';
import { rateMs, startSchedules } from '../../../infra/local/runner/schedules.ts';
import type { FunctionHost } from '../../../infra/local/runner/function-host.ts';
import type { ServerlessDefinition } from '../../../infra/local/runner/serverless-file.ts';
import { createLogger } from '../../../shared/log/index.ts';

afterEach(() => vi.useRealTimers());

describe("the local runner's schedules", () => {
  it('reads EventBridge rates', () => {
    expect(rateMs('rate(15 minutes)')).toBe(900_000);
    expect(rateMs('rate(1 hour)')).toBe(3_600_000);
    expect(rateMs('cron(0 * * * ? *)')).toBeUndefined();
  });

  it('invokes each scheduled function every period with an empty event, never twice at once, and stops', async () => {
    vi.useFakeTimers();
    const calls: string[] = [];
    let release: () => void = () => undefined;
    const host = {
      invoke: vi.fn(async (name: string, event: unknown) => {
        calls.push(`${name}:${JSON.stringify(event)}`);
        if (name === 'lifecycle') await new Promise<void>((r) => (release = r));
        return { ok: true, durationMs: 0 };
      }),
    } as unknown as FunctionHost;
    const definition = {
      functions: [
        { name: 'lifecycle', triggers: [{ type: 'schedule', rate: 'rate(1 hour)' }] },
        { name: 'provision', triggers: [{ type: 'sqs', queueLogicalId: 'ProvisionQueue' }] },
      ],
    } as unknown as ServerlessDefinition;
    const stop = startSchedules(definition, host, createLogger({ app: 'test' }));
    await vi.advanceTimersByTimeAsync(59 * 60_000);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(calls).toEqual(['lifecycle:{}']);
    // Still running an hour later: that turn is skipped.
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(calls).toHaveLength(1);
    release();
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(calls).toHaveLength(2);
    await stop();
    await vi.advanceTimersByTimeAsync(10 * 3_600_000);
    expect(calls).toHaveLength(2);
  });
});
