import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { FunctionDef, ServerlessDefinition } from './serverless-file.ts';

export type Handler = (event: unknown, context: LambdaLikeContext) => Promise<unknown>;

export interface LambdaLikeContext {
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  awsRequestId: string;
  logGroupName: string;
  logStreamName: string;
  callbackWaitsForEmptyEventLoop: boolean;
  getRemainingTimeInMillis(): number;
}

export type InvokeOutcome = { ok: true; result: unknown; durationMs: number } | { ok: false; error: Error; durationMs: number };

export class FunctionTimeoutError extends Error {
  override name = 'FunctionTimeoutError';
}

/**
 * Runs the handlers named in serverless.yml in this process, as Lambda would run them: one
 * module load per function (warm container), a context whose remaining time counts down from the
 * function's timeout, and a timeout that fails the invocation.
 */
export class FunctionHost {
  private readonly modules = new Map<string, Promise<Handler>>();
  private readonly byName: Map<string, FunctionDef>;
  /** Test hook: runs before every invocation (e.g. to count or to fail on purpose). */
  beforeInvoke?: (fn: FunctionDef, event: unknown) => void | Promise<void>;

  constructor(
    readonly definition: ServerlessDefinition,
    private readonly rootDir: string,
  ) {
    this.byName = new Map(definition.functions.map((f) => [f.name, f]));
  }

  get functions(): FunctionDef[] {
    return this.definition.functions;
  }

  get(name: string): FunctionDef | undefined {
    return this.byName.get(name);
  }

  private load(fn: FunctionDef): Promise<Handler> {
    let m = this.modules.get(fn.name);
    if (!m) {
      const url = pathToFileURL(join(this.rootDir, `${fn.module}.ts`)).href;
      m = import(url).then((mod: Record<string, unknown>) => {
        const h = mod[fn.exportName];
        if (typeof h !== 'function') throw new Error(`${fn.module}.ts does not export a function "${fn.exportName}"`);
        return h as Handler;
      });
      // A failed load is not cached: fixing the file and invoking again works (as a redeploy would).
      m.catch(() => this.modules.delete(fn.name));
      this.modules.set(fn.name, m);
    }
    return m;
  }

  async invoke(name: string, event: unknown): Promise<InvokeOutcome> {
    const fn = this.byName.get(name);
    const started = Date.now();
    if (!fn) return { ok: false, error: new Error(`no function named ${name} in serverless.yml`), durationMs: 0 };
    const deadline = started + fn.timeoutSeconds * 1000;
    const context: LambdaLikeContext = {
      functionName: `${this.definition.service}-${this.definition.stage}-${fn.name}`,
      functionVersion: '$LATEST',
      invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${this.definition.service}-${this.definition.stage}-${fn.name}`,
      memoryLimitInMB: '256',
      awsRequestId: randomUUID(),
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: 'local',
      callbackWaitsForEmptyEventLoop: false,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    };
    let timer: NodeJS.Timeout | undefined;
    try {
      await this.beforeInvoke?.(fn, event);
      const handler = await this.load(fn);
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new FunctionTimeoutError(`${fn.name} timed out after ${fn.timeoutSeconds} s`)), fn.timeoutSeconds * 1000);
      });
      const result = await Promise.race([handler(event, context), timeout]);
      return { ok: true, result, durationMs: Date.now() - started };
    } catch (e) {
      return { ok: false, error: e instanceof Error ? e : new Error(String(e)), durationMs: Date.now() - started };
    } finally {
      clearTimeout(timer);
    }
  }
}
