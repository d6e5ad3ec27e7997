import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { PROJECT_ROOT, startStack, type RunningStack } from '../../infra/local/stack.ts';
import { setLogSink } from '../../shared/log/index.ts';
import { startControlServer } from './control-server.ts';

/**
 * One local stack for all integration, end-to-end and fault tests: real Ceph RGW with bucket
 * notifications, the SQS emulator, the Onedata simulator and the function runner, on random
 * 127.0.0.1 ports (so a developer's `npm start` can keep running). Every log line of the
 * functions is kept in memory; tests read it back (e.g. to search it for secrets).
 */
let stack: RunningStack | undefined;
let closeControl: (() => Promise<void>) | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const logLines: string[] = [];
  setLogSink((line) => {
    logLines.push(line);
    if (process.env.S3OD_TEST_LOGS) process.stdout.write(line + '\n');
  });
  const stateDir = join(PROJECT_ROOT, '.local', `test-${process.pid}`);
  stack = await startStack({
    rgwPort: 0,
    rgwMonPort: 0,
    sqsPort: 0,
    functionsPort: 0,
    onedataPort: 0,
    smtpPort: 0,
    stateDir,
    configOverrides: { provisioning: { leaseSeconds: 5 } },
    simKnobs: { latencyMs: 2, propagationDelayMs: 100 },
    maxVisibilityTimeout: 5,
    // Scheduled functions (reconcile, lifecycle) run when a test asks, never on a timer mid-test.
    schedules: false,
    // Recognisable secrets: tests search every log line for them.
    secrets: {
      s3SecretKey: `TEST-S3-SECRET-${randomBytes(8).toString('hex')}`,
      onedataToken: `TEST-ONEDATA-TOKEN-${randomBytes(8).toString('hex')}`,
      webhookToken: `TEST-WEBHOOK-TOKEN-${randomBytes(8).toString('hex')}`,
      jobsToken: `TEST-JOBS-TOKEN-${randomBytes(8).toString('hex')}`,
    },
  });
  const control = await startControlServer(stack, logLines);
  closeControl = control.close;
  project.provide('stack', stack.info);
  project.provide('controlUrl', control.url);
  return async () => {
    await closeControl?.();
    await stack?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    stack: import('../../infra/local/stack.ts').StackInfo;
    controlUrl: string;
  }
}
