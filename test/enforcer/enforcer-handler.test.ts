import { InvocationType, InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { LambdaSweepInvoker, SweepHandOnError } from '../../lambdas/adapters/lambda-sweep-invoker';
import { InvalidEnforcerEventError, type SweepInvoker } from '../../lambdas/domain/enforcer/continuation';
import type { SweepPosition } from '../../lambdas/domain/enforcer/sweep';
import { runSweep } from '../../lambdas/domain/enforcer/sweep';
import { createEnforcerHandler, type EnforcerMetrics } from '../../lambdas/handlers/enforcer-handler';
import { enforcerHarness } from '../support/enforcer-harness';

/** Records metrics as Powertools would emit them, dimension included. */
function recordingMetrics() {
  const recorded: Array<{ name: string; value: number; dimensions: Record<string, string> }> = [];
  const metrics = {
    addMetric: (name: string, _unit: unknown, value: number) =>
      recorded.push({ name, value, dimensions: {} }),
    singleMetric: () => {
      const dimensions: Record<string, string> = {};
      return {
        addDimension: (key: string, value: string) => {
          dimensions[key] = value;
        },
        addMetric: (name: string, _unit: unknown, value: number) =>
          recorded.push({ name, value, dimensions }),
      };
    },
  } as unknown as EnforcerMetrics;
  const value = (name: string) =>
    recorded.filter((metric) => metric.name === name).reduce((a, m) => a + m.value, 0);
  return { metrics, recorded, value };
}

class RecordingInvoker implements SweepInvoker {
  readonly handedOn: SweepPosition[] = [];
  async handOn(position: SweepPosition): Promise<void> {
    this.handedOn.push(position);
  }
}

async function fleet(count: number) {
  const h = enforcerHarness({ settings: { orphanScan: false } });
  for (let i = 0; i < count; i++) h.createManagedSecret(`fleet/key-${i}`);
  return h;
}

describe('enforcer handler', () => {
  it('hands the rest on through the invoker, says so in a metric, and the continuation completes the sweep', async () => {
    const h = await fleet(150);
    const invoker = new RecordingInvoker();
    const { metrics, value } = recordingMetrics();
    const handler = createEnforcerHandler(h.deps, h.settings, invoker, metrics);

    await handler({}, { getRemainingTimeInMillis: () => 10_000 });
    const continuation = invoker.handedOn[0];
    expect(continuation).toMatchObject({ nextToken: '100', hop: 1 });
    expect(value('SweepContinuations')).toBe(1);

    await handler({ continuation }, { getRemainingTimeInMillis: () => 900_000 });

    expect(invoker.handedOn).toHaveLength(1);
    expect(value('SecretsSwept')).toBe(150);
    expect(value('SweepDuration')).toBeGreaterThanOrEqual(0);
  });

  it('records keys by age bucket as one metric per bucket', async () => {
    const h = await fleet(3);
    const { metrics, recorded } = recordingMetrics();
    const handler = createEnforcerHandler(h.deps, h.settings, new RecordingInvoker(), metrics);

    await handler({}, { getRemainingTimeInMillis: () => 900_000 });

    expect(recorded).toContainEqual({ name: 'KeysByAge', value: 3, dimensions: { AgeBucket: 'under-1d' } });
  });

  it('fails the invocation when the sweep cannot be handed on, so no secret is skipped silently', async () => {
    const h = await fleet(150);
    const invoker: SweepInvoker = {
      handOn: async () => {
        throw new SweepHandOnError('refused');
      },
    };
    const handler = createEnforcerHandler(h.deps, h.settings, invoker, recordingMetrics().metrics);

    await expect(handler({}, { getRemainingTimeInMillis: () => 10_000 })).rejects.toThrow(SweepHandOnError);
  });

  it('refuses a malformed continuation event', async () => {
    const h = await fleet(1);
    const handler = createEnforcerHandler(
      h.deps,
      h.settings,
      new RecordingInvoker(),
      recordingMetrics().metrics,
    );

    await expect(
      handler({ continuation: { nextToken: 5 } }, { getRemainingTimeInMillis: () => 900_000 }),
    ).rejects.toThrow(InvalidEnforcerEventError);
  });

  it('starts a new sweep from a scheduler event', async () => {
    const h = await fleet(2);
    const outcome = await runSweep(h.deps, h.settings, { remainingMs: () => 900_000 });
    expect(outcome.report.secretsSwept).toBe(2);
  });
});

describe('LambdaSweepInvoker', () => {
  const lambda = mockClient(LambdaClient);
  beforeEach(() => lambda.reset());
  const position: SweepPosition = {
    sweepId: 's-1',
    startedAt: '2026-12-04T19:00:00.000Z',
    nextToken: 't',
    hop: 1,
  };

  it('invokes the function asynchronously with the position as the continuation event', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });

    await new LambdaSweepInvoker(new LambdaClient({}), 'rotor-enforcer').handOn(position);

    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: 'rotor-enforcer',
      InvocationType: InvocationType.Event,
    });
    const payload = lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array;
    expect(JSON.parse(Buffer.from(payload).toString())).toEqual({ continuation: position });
  });

  it('fails when Lambda does not accept the invoke', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 500 });

    await expect(
      new LambdaSweepInvoker(new LambdaClient({}), 'rotor-enforcer').handOn(position),
    ).rejects.toThrow(SweepHandOnError);
  });
});
