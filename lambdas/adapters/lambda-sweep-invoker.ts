import { InvocationType, InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import { continuationEventFor, type SweepInvoker } from '../domain/enforcer/continuation';
import type { SweepPosition } from '../domain/enforcer/sweep';
import { RotorError } from '../domain/errors';

/** The continuation invoke was not accepted. */
export class SweepHandOnError extends RotorError {}

/**
 * Hands a sweep on to a new invocation of the enforcer function itself,
 * asynchronously (InvocationType Event): Lambda queues it and retries it, and
 * this invocation can return.
 */
export class LambdaSweepInvoker implements SweepInvoker {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async handOn(position: SweepPosition): Promise<void> {
    const response = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: InvocationType.Event,
        Payload: Buffer.from(JSON.stringify(continuationEventFor(position))),
      }),
    );
    // An accepted asynchronous invoke answers 202.
    if (response.StatusCode !== 202) {
      throw new SweepHandOnError(
        `Continuation invoke of ${this.functionName} answered ${response.StatusCode}`,
      );
    }
  }
}
