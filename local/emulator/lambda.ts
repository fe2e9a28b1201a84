import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { errorSummary } from '../../lambdas/domain/audit-events';
import { AwsServiceError } from './aws-error';
import { routeFunctionOutput } from './function-output';

/** Where a function's output goes: its log group and stream, one line at a time. */
export type FunctionLogSink = (logGroupName: string, logStreamName: string, line: string) => void;

/** A Lambda handler as the runtime calls it (middy's handlers have this shape). */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** One invocation, for the timeline and for tests. Never holds the event or the result. */
export interface InvocationRecord {
  readonly functionName: string;
  readonly requestId: string;
  readonly startedAt: Date;
  readonly durationMs: number;
  readonly error?: { readonly name: string; readonly message: string };
}

interface LocalFunction {
  readonly name: string;
  readonly arn: string;
  readonly handler: LambdaHandler;
  readonly timeoutMs: number;
  readonly memoryMb: number;
}

/**
 * The Lambda service for local mode: named functions whose handlers are the
 * real handler modules, invoked one at a time per call with a synthetic
 * context (request id, remaining time from the function's timeout), as the
 * runtime does. Invoke with InvocationType Event is queued and answered 202.
 */
export class LocalLambda {
  private readonly functions = new Map<string, LocalFunction>();
  private readonly inflight = new Set<Promise<unknown>>();
  readonly invocations: InvocationRecord[] = [];

  constructor(
    private readonly region: string,
    private readonly accountId: string,
    private readonly logSink?: FunctionLogSink,
  ) {}

  /** Deploys a function; returns its ARN. */
  register(
    name: string,
    handler: LambdaHandler,
    options: { timeoutMs?: number; memoryMb?: number } = {},
  ): string {
    const arn = `arn:aws:lambda:${this.region}:${this.accountId}:function:${name}`;
    this.functions.set(name, {
      name,
      arn,
      handler,
      timeoutMs: options.timeoutMs ?? 15 * 60_000,
      memoryMb: options.memoryMb ?? 256,
    });
    return arn;
  }

  arnOf(name: string): string {
    return this.find(name).arn;
  }

  /** A synchronous invoke (RequestResponse): resolves to the result, rejects with the function's error. */
  async invoke(nameOrArn: string, event: unknown): Promise<unknown> {
    const fn = this.find(nameOrArn);
    const requestId = randomUUID();
    const startedAt = new Date();
    const deadline = Date.now() + fn.timeoutMs;
    const context: Context = {
      callbackWaitsForEmptyEventLoop: true,
      functionName: fn.name,
      functionVersion: '$LATEST',
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memoryMb),
      awsRequestId: requestId,
      logGroupName: `/aws/lambda/${fn.name}`,
      logStreamName: `${startedAt.toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${requestId.replace(/-/g, '')}`,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      done: () => undefined,
      fail: () => undefined,
      succeed: () => undefined,
    };
    try {
      const result = this.logSink
        ? await routeFunctionOutput(
            (text) => this.logLines(context.logGroupName, context.logStreamName, text),
            () => fn.handler(event, context),
          )
        : await fn.handler(event, context);
      this.invocations.push({
        functionName: fn.name,
        requestId,
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
      });
      return result;
    } catch (error) {
      this.invocations.push({
        functionName: fn.name,
        requestId,
        startedAt,
        durationMs: Date.now() - startedAt.getTime(),
        error: errorSummary(error),
      });
      throw error;
    }
  }

  private logLines(logGroupName: string, logStreamName: string, text: string): void {
    for (const line of text.split('\n'))
      if (line.trim() !== '') this.logSink?.(logGroupName, logStreamName, line);
  }

  /** An asynchronous invoke (Event): queued; failures are recorded, never thrown at the caller. */
  invokeAsync(nameOrArn: string, event: unknown): void {
    this.find(nameOrArn);
    const run = this.invoke(nameOrArn, event)
      .catch(() => undefined)
      .finally(() => this.inflight.delete(run));
    this.inflight.add(run);
  }

  /** Waits until every queued invocation has finished. */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /**
   * The Invoke API (REST-JSON, `POST /2015-03-31/functions/{name}/invocations`):
   * answers status, headers and body as the service does.
   */
  async handleInvoke(
    functionName: string,
    invocationType: string | undefined,
    payload: string,
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    let event: unknown;
    try {
      event = payload === '' ? {} : JSON.parse(payload);
    } catch {
      throw new AwsServiceError('InvalidRequestContentException', 'Could not parse request body into json');
    }
    const name = decodeURIComponent(functionName);
    this.find(name);
    if (invocationType === 'Event') {
      this.invokeAsync(name, event);
      return { status: 202, headers: {}, body: '' };
    }
    if (invocationType === 'DryRun') return { status: 204, headers: {}, body: '' };
    try {
      const result = await this.invoke(name, event);
      return { status: 200, headers: {}, body: result === undefined ? 'null' : JSON.stringify(result) };
    } catch (error) {
      const { name: errorType, message } = errorSummary(error);
      return {
        status: 200,
        headers: { 'x-amz-function-error': 'Unhandled' },
        body: JSON.stringify({ errorType, errorMessage: message }),
      };
    }
  }

  private find(nameOrArn: string): LocalFunction {
    const name = nameOrArn.startsWith('arn:') ? nameOrArn.split(':')[6] : nameOrArn;
    const fn = name === undefined ? undefined : this.functions.get(name);
    if (!fn) {
      throw new AwsServiceError('ResourceNotFoundException', `Function not found: ${nameOrArn}`, 404);
    }
    return fn;
  }
}
