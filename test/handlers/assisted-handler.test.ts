import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { InvalidSuppliedKeyError } from '../../lambdas/domain/assisted-flow';
import { InvalidAssistedRequestError, parseAssistedRequest } from '../../lambdas/handlers/assisted-event';
import { createAssistedHandler } from '../../lambdas/handlers/assisted-handler';
import { createRegistry } from '../../lambdas/providers';
import { manual } from '../../lambdas/providers/manual';
import { FakeClock } from '../support/fake-clock';
import { captureOutput } from '../support/output-capture';

const KEY_ONE = 'pd-key-one-5b7d24681f3a9c0e';
const KEY_TWO = 'pd-key-two-19f7d5b38e6c4a20';

/** The assisted handler over an in-memory store holding one PagerDuty-like (manual) secret. */
function setup() {
  const clock = new FakeClock();
  const store = new InMemorySecretStore({ clock });
  const events = new InMemoryEventPublisher();
  const metrics = new Metrics({ namespace: 'Rotor', serviceName: 'rotor-assisted' });
  store.createSecret({
    name: 'ops/pagerduty',
    secretString: JSON.stringify({ 'rotor:awaiting-first-key': true, provider: 'manual' }),
    rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation',
    tags: { 'rotor:provider': 'manual', 'rotor:grace': 'PT24H', 'rotor:max-age': 'P45D' },
  });
  const handler = createAssistedHandler(
    {
      store,
      events,
      clock,
      log: new Logger({ serviceName: 'rotor-assisted', logLevel: 'DEBUG' }),
      providers: { registry: createRegistry([manual]), endpointOverride: () => undefined },
    },
    metrics,
  );
  return { store, events, metrics, handler };
}

describe('assisted handler', () => {
  let context: ReturnType<typeof setup>;
  let output: ReturnType<typeof captureOutput>;
  beforeEach(() => {
    context = setup();
    output = captureOutput();
  });
  afterEach(() => output.restore());

  it('stores a supplied key as current and answers its id and fingerprint, not the key', async () => {
    const result = await context.handler({
      action: 'supply',
      secretId: 'ops/pagerduty',
      apiKey: KEY_ONE,
      keyId: 'PD1',
    });

    expect(result).toMatchObject({ keyId: 'PD1', fingerprint: expect.stringMatching(/^sha256:/) });
    expect(JSON.stringify(result)).not.toContain(KEY_ONE);
    const current = JSON.parse((await context.store.getValue('ops/pagerduty', {})).secretString as string);
    expect(current.apiKey).toBe(KEY_ONE);
  });

  it('confirms the previous key revoked', async () => {
    await context.handler({ action: 'supply', secretId: 'ops/pagerduty', apiKey: KEY_ONE, keyId: 'PD1' });
    await context.handler({ action: 'supply', secretId: 'ops/pagerduty', apiKey: KEY_TWO, keyId: 'PD2' });

    const result = await context.handler({
      action: 'confirm-revoked',
      secretId: 'ops/pagerduty',
      keyId: 'PD1',
    });

    expect(result).toEqual({ outcome: 'confirmed', keyId: 'PD1', fingerprint: expect.any(String) });
  });

  it('refuses a malformed request with a named error before touching the store', async () => {
    await expect(context.handler({ action: 'drop', secretId: 'ops/pagerduty' })).rejects.toThrow(
      InvalidAssistedRequestError,
    );
    await expect(context.handler({ action: 'supply', secretId: 'ops/pagerduty' })).rejects.toThrow(
      /apiKey must be a string/,
    );
    expect([...context.store.calls.values()].reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('refuses a key sent with confirm-revoked, without quoting it', () => {
    const failure = (() => {
      try {
        parseAssistedRequest({ action: 'confirm-revoked', secretId: 'ops/pagerduty', apiKey: KEY_ONE });
      } catch (error) {
        return error as Error;
      }
    })();
    expect(failure).toBeInstanceOf(InvalidAssistedRequestError);
    expect(failure?.message).not.toContain(KEY_ONE);
  });

  it('rethrows the domain’s named error and counts the failure', async () => {
    await expect(
      context.handler({ action: 'supply', secretId: 'ops/pagerduty', apiKey: 'two words' }),
    ).rejects.toThrow(InvalidSuppliedKeyError);
    context.metrics.publishStoredMetrics();
    expect(output.text()).toContain('"AssistedRequestFailed":1');
  });

  it('canary: no supplied key reaches a log line, metric or event', async () => {
    await context.handler({ action: 'supply', secretId: 'ops/pagerduty', apiKey: KEY_ONE, keyId: 'PD1' });
    await context
      .handler({ action: 'supply', secretId: 'ops/pagerduty', apiKey: KEY_ONE })
      .catch(() => undefined);
    await context.handler({ action: 'supply', secretId: 'ops/pagerduty', apiKey: KEY_TWO });
    context.metrics.publishStoredMetrics();

    const published = `${output.text()}${JSON.stringify(context.events.events)}`;
    expect(output.text()).toContain('Assisted key supplied');
    for (const key of [KEY_ONE, KEY_TWO]) expect(published).not.toContain(key);
  });
});
