import {
  CloudWatchLogsClient,
  CreateLogStreamCommand,
  FilterLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetSecretValueCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { signatureOf } from '../../lambdas/domain/leak-webhook';

const secrets = mockClient(SecretsManagerClient);
const logs = mockClient(CloudWatchLogsClient);
const bus = mockClient(EventBridgeClient);
const SIGNING_SECRET = 'whsec-handler-test';

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<{ statusCode: number; body: string }>;
let handler: Handler;

function urlEvent(body: string, headers: Record<string, string>, base64 = false): APIGatewayProxyEventV2 {
  return {
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
    headers,
  } as unknown as APIGatewayProxyEventV2;
}

function signed(body: string, now = Math.floor(Date.now() / 1000)) {
  return {
    'x-rotor-timestamp': String(now),
    'x-rotor-signature': signatureOf(SIGNING_SECRET, `${now}.${body}`),
  };
}

const context = { functionName: 'rotor-leak', awsRequestId: 'req-1' } as Context;

beforeAll(async () => {
  vi.stubEnv('EVENT_BUS_NAME', 'rotor');
  vi.stubEnv('AUDIT_LOG_GROUP', '/rotor/audit');
  vi.stubEnv('DELIVERY_LOG_GROUP', '/rotor/leak-deliveries');
  vi.stubEnv('WEBHOOK_SECRET_ID', 'rotor/leak-webhook');
  vi.stubEnv('AWS_REGION', 'us-east-1');
  handler = (await import('../../lambdas/handlers/leak')).handler as unknown as Handler;
});

afterAll(() => vi.unstubAllEnvs());

beforeEach(() => {
  secrets.reset();
  logs.reset();
  bus.reset();
  secrets
    .on(GetSecretValueCommand, { SecretId: 'rotor/leak-webhook' })
    .resolves({ SecretString: SIGNING_SECRET });
  logs.on(CreateLogStreamCommand).resolves({});
  logs.on(FilterLogEventsCommand).resolves({ events: [] });
  bus.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'e-1' }] });
});

describe('the leak Lambda behind its Function URL', () => {
  it('verifies a base64-encoded body as sent and records an unknown key as Leak Reported', async () => {
    const body = JSON.stringify({
      key: 'sk-unknown-canary',
      source: 'scanner',
      reportedAt: '2026-12-04T19:00:00Z',
    });
    const response = await handler(urlEvent(body, signed(body), true), context);
    expect(response).toMatchObject({ statusCode: 202, body: JSON.stringify({ actions: ['unknown'] }) });
    const entries = bus.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries ?? [];
    expect(entries.map((entry) => entry.DetailType)).toEqual(['Leak Reported']);
    expect(JSON.stringify(entries)).not.toContain('sk-unknown-canary');
  });

  it('refuses a forged request with 401 and calls nothing that changes state', async () => {
    const body = JSON.stringify({ key: 'sk-canary', source: 'scanner', reportedAt: '2026-12-04T19:00:00Z' });
    const response = await handler(
      urlEvent(body, { ...signed(body), 'x-rotor-signature': `sha256=${'0'.repeat(64)}` }),
      context,
    );
    expect(response.statusCode).toBe(401);
    expect(secrets.commandCalls(RotateSecretCommand)).toHaveLength(0);
    expect(logs.commandCalls(CreateLogStreamCommand)).toHaveLength(0);
    expect(bus.commandCalls(PutEventsCommand)).toHaveLength(0);
  });

  it('writes nothing of the body to its logs', async () => {
    const out = vi.spyOn(process.stdout, 'write');
    const err = vi.spyOn(process.stderr, 'write');
    const body = JSON.stringify({ key: 'sk-log-canary', source: 'scanner', reportedAt: 'soon' });
    await handler(urlEvent(body, signed(body)), context);
    const logged = [...out.mock.calls, ...err.mock.calls].map((call) => String(call[0])).join('');
    out.mockRestore();
    err.mockRestore();
    expect(logged).toContain('Webhook refused');
    expect(logged).not.toContain('sk-log-canary');
  });
});
