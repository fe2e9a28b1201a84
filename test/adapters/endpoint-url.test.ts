import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeHttpServer, type RecordedRequest } from '../providers/support/fake-http-server';

/**
 * The handlers build their clients with no endpoint option, so the SDK's
 * standard AWS_ENDPOINT_URL is what points them at a local emulator. This
 * proves it with a loopback server standing in for the emulator.
 */
describe('AWS clients honour AWS_ENDPOINT_URL', () => {
  let emulator: FakeHttpServer;
  const saved = { ...process.env };

  beforeAll(async () => {
    emulator = await FakeHttpServer.start((request: RecordedRequest) => {
      const target = String(request.headers['x-amz-target'] ?? '');
      if (target.endsWith('DescribeSecret'))
        return { status: 200, body: { ARN: 'arn:local', Name: 'payments/sendgrid' } };
      return { status: 200, body: { FailedEntryCount: 0, Entries: [{ EventId: '1' }] } };
    });
    Object.assign(process.env, {
      AWS_ENDPOINT_URL: emulator.url,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    });
  });

  afterAll(async () => {
    process.env = saved;
    await emulator.close();
  });

  it('sends Secrets Manager calls to the local endpoint', async () => {
    const output = await new SecretsManagerClient({}).send(
      new DescribeSecretCommand({ SecretId: 'payments/sendgrid' }),
    );
    expect(output.Name).toBe('payments/sendgrid');
    expect(
      emulator.requests.some((request) => String(request.headers['x-amz-target']).endsWith('DescribeSecret')),
    ).toBe(true);
  });

  it('sends EventBridge calls to the local endpoint', async () => {
    await new EventBridgeClient({}).send(
      new PutEventsCommand({ Entries: [{ Source: 'rotor', DetailType: 'Key Created', Detail: '{}' }] }),
    );
    expect(
      emulator.requests.some((request) => String(request.headers['x-amz-target']).endsWith('PutEvents')),
    ).toBe(true);
  });
});
