import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { InvalidRotationEventError, KeyVerificationError } from '../../lambdas/domain/errors';
import { ROTATION_STEPS } from '../../lambdas/domain/rotation';
import { placeholderValue } from '../../lambdas/domain/secret-value';
import { createRotationHandler } from '../../lambdas/handlers/rotation-handler';
import { createRegistry } from '../../lambdas/providers';
import { sendgrid } from '../../lambdas/providers/sendgrid';
import { startSendGridFake } from '../providers/fakes/sendgrid-fake';
import { FakeClock } from '../support/fake-clock';
import { captureOutput } from '../support/output-capture';

/** The rotation handler wired to an in-memory store and a local SendGrid over HTTP. */
async function setup() {
  const fake = await startSendGridFake();
  const clock = new FakeClock();
  const store = new InMemorySecretStore({ clock });
  const events = new InMemoryEventPublisher();
  const logger = new Logger({ serviceName: 'rotor-rotation' });
  const metrics = new Metrics({ namespace: 'Rotor', serviceName: 'rotor-rotation' });
  store.createSecret({ name: 'rotor/admin/sendgrid', secretString: fake.adminCredential });
  const secretId = store.createSecret({
    name: 'payments/sendgrid',
    secretString: placeholderValue('sendgrid'),
    rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation',
    tags: {
      'rotor:provider': 'sendgrid',
      'rotor:admin-secret': 'rotor/admin/sendgrid',
      'rotor:scopes': 'mail.send',
    },
  });
  const handler = createRotationHandler(
    {
      store,
      events,
      clock,
      log: logger,
      providers: {
        registry: createRegistry([{ ...sendgrid, propagation: { attempts: 2, delayMs: 10 } }]),
        endpointOverride: (provider) => (provider === 'sendgrid' ? fake.server.url : undefined),
      },
    },
    metrics,
  );
  const rotate = async () => {
    const { versionId } = await store.rotate(secretId);
    for (const Step of ROTATION_STEPS)
      await handler({ Step, SecretId: secretId, ClientRequestToken: versionId });
    return versionId;
  };
  return { fake, store, events, metrics, handler, secretId, rotate };
}

describe('rotation handler', () => {
  let context: Awaited<ReturnType<typeof setup>>;
  let output: ReturnType<typeof captureOutput>;
  beforeEach(async () => {
    context = await setup();
    output = captureOutput();
  });
  afterEach(async () => {
    output.restore();
    await context.fake.close();
  });

  it('rotates a SendGrid key end to end over HTTP: the new key is current and live', async () => {
    const { rotate, store, fake, secretId } = context;
    await rotate();
    const current = JSON.parse(
      (await store.getValue(secretId, { stage: 'AWSCURRENT' })).secretString as string,
    );
    expect(fake.isLive(current.keyId)).toBe(true);
    expect(current.apiKey).toMatch(/^SG\./);
  });

  it('refuses a malformed event with a named error before touching anything', async () => {
    const { handler, store } = context;
    await expect(handler({ Step: 'dropTable', SecretId: 'x', ClientRequestToken: 'y' })).rejects.toThrow(
      InvalidRotationEventError,
    );
    await expect(handler('not an event')).rejects.toThrow(InvalidRotationEventError);
    expect([...store.calls.values()].reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('records one RotationSucceeded metric per completed rotation', async () => {
    const { rotate, metrics } = context;
    await rotate();
    metrics.publishStoredMetrics();
    const emf = output
      .text()
      .split('\n')
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line));
    expect(emf.filter((entry) => entry.RotationSucceeded !== undefined)).toHaveLength(1);
    expect(emf[0]?.Provider).toBe('sendgrid');
  });

  it('records RotationFailed when a step fails', async () => {
    const { store, handler, metrics, secretId, fake } = context;
    const { versionId } = await store.rotate(secretId);
    await handler({ Step: 'createSecret', SecretId: secretId, ClientRequestToken: versionId });
    fake.server.failNext({
      reply: { status: 401, body: { errors: [{ message: 'authorization required' }] } },
      when: fake.isVerify,
      times: 2,
    });
    await expect(
      handler({ Step: 'testSecret', SecretId: secretId, ClientRequestToken: versionId }),
    ).rejects.toThrow(KeyVerificationError);
    metrics.publishStoredMetrics();
    expect(output.text()).toContain('"RotationFailed":1');
  });

  it('canary: no key material reaches any log line, metric, event or error across rotations and failures', async () => {
    const { rotate, store, handler, events, secretId, fake } = context;
    const errors: unknown[] = [];
    await rotate();
    await rotate();
    // A verification that never succeeds.
    const { versionId } = await store.rotate(secretId);
    await handler({ Step: 'createSecret', SecretId: secretId, ClientRequestToken: versionId });
    fake.server.failNext({
      reply: { status: 401, body: { errors: [{ message: 'authorization required' }] } },
      when: fake.isVerify,
      times: 2,
    });
    errors.push(
      await handler({ Step: 'testSecret', SecretId: secretId, ClientRequestToken: versionId }).catch(
        (e) => e,
      ),
    );
    // A provider outage while minting, then a retry that succeeds.
    const retry = await store.rotate(secretId);
    fake.server.failNext({ reply: fake.serverErrorReply(), when: fake.isCreate, afterEffect: true });
    errors.push(
      await handler({ Step: 'createSecret', SecretId: secretId, ClientRequestToken: retry.versionId }).catch(
        (e) => e,
      ),
    );
    for (const Step of ROTATION_STEPS)
      await handler({ Step, SecretId: secretId, ClientRequestToken: retry.versionId });

    const secrets = fake.issuedSecrets();
    expect(secrets.length).toBeGreaterThanOrEqual(5);
    const haystack = [
      output.text(),
      JSON.stringify(events.events),
      ...errors.map(
        (error) => `${(error as Error).message} ${(error as Error).stack} ${JSON.stringify(error)}`,
      ),
    ].join('\n');
    expect(errors.every((error) => error instanceof Error)).toBe(true);
    for (const secret of secrets) expect(haystack).not.toContain(secret);
    // The canary looks in the right places: identifiers do appear.
    expect(haystack).toContain(secretId);
  });
});

describe('rotation handler module', () => {
  it('fails at cold start when EVENT_BUS_NAME is missing', async () => {
    const saved = process.env.EVENT_BUS_NAME;
    delete process.env.EVENT_BUS_NAME;
    await expect(import('../../lambdas/handlers/rotation')).rejects.toThrow(
      'Environment variable EVENT_BUS_NAME is not set',
    );
    if (saved !== undefined) process.env.EVENT_BUS_NAME = saved;
  });
});
