import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  ListSecretsCommand,
  RotateSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { InMemoryDeliveryLedger } from '../lambdas/adapters/cloudwatch-delivery-ledger';
import { InMemoryEventPublisher } from '../lambdas/adapters/in-memory-event-publisher';
import { InMemoryFingerprintIndex } from '../lambdas/adapters/in-memory-fingerprint-index';
import { InMemorySecretStore } from '../lambdas/adapters/in-memory-secret-store';
import { awsServices } from '../lambdas/cli/aws-services';
import { runCli } from '../lambdas/cli/program';
import type { AuditEvent } from '../lambdas/domain/audit-events';
import { cachedSigningSecret, handleLeakWebhook, signatureOf } from '../lambdas/domain/leak-webhook';
import { Stage } from '../lambdas/domain/managed-secret';
import { systemClock } from '../lambdas/domain/ports';
import { ROTATION_STEPS, type RotationDeps, runRotationStep } from '../lambdas/domain/rotation';
import { placeholderValue } from '../lambdas/domain/secret-value';
import { createRegistry } from '../lambdas/providers';
import { FakeProvider } from '../test/support/fake-provider';

const KEYS = 1_000;
const QUOTA_TPS = 50;
const MOCK_LATENCY_MS = 15;

/**
 * Issue 6's figures: bulk rotate-now of 1,000 keys through the real CLI and
 * SDK client against a Secrets Manager mock that enforces RotateSecret's 50
 * TPS quota (ThrottlingException beyond it), and the calls on the leak
 * response's critical path, from webhook to the leaked key revoked.
 */
export async function run(): Promise<void> {
  await bulkRotate();
  await leakCriticalPath('current');
  await leakCriticalPath('previous');
}

async function bulkRotate(): Promise<void> {
  const mock = mockClient(SecretsManagerClient);
  const accepted: number[] = [];
  let throttled = 0;
  const rotated = new Map<string, string>();
  const delay = () => new Promise((resolve) => setTimeout(resolve, MOCK_LATENCY_MS));
  const names = Array.from({ length: KEYS }, (_, index) => `fleet/key-${String(index).padStart(4, '0')}`);

  mock.on(ListSecretsCommand).callsFake(async (input: { NextToken?: string }) => {
    await delay();
    const start = Number(input.NextToken ?? 0);
    const page = names.slice(start, start + 100).map((name) => ({
      ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`,
      Name: name,
      RotationEnabled: true,
      Tags: [
        { Key: 'rotor:provider', Value: 'sendgrid' },
        { Key: 'rotor:admin-secret', Value: 'rotor/admin/sendgrid' },
      ],
    }));
    return start + 100 < names.length
      ? { SecretList: page, NextToken: String(start + 100) }
      : { SecretList: page };
  });
  mock.on(RotateSecretCommand).callsFake(async (input: { SecretId: string; ClientRequestToken: string }) => {
    // The quota as the service enforces it: at most 50 accepted calls in any sliding second.
    const now = performance.now();
    while (accepted.length > 0 && now - (accepted[0] as number) >= 1000) accepted.shift();
    if (accepted.length >= QUOTA_TPS) {
      throttled++;
      await delay();
      throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: {} });
    }
    accepted.push(now);
    await delay();
    rotated.set(input.SecretId, input.ClientRequestToken);
    return { ARN: input.SecretId, Name: input.SecretId, VersionId: input.ClientRequestToken };
  });
  // The rotation completes at once, so following each one costs one DescribeSecret.
  mock.on(DescribeSecretCommand).callsFake(async (input: { SecretId: string }) => {
    await delay();
    const token = rotated.get(input.SecretId) ?? 'none';
    return { ARN: input.SecretId, Name: input.SecretId, VersionIdsToStages: { [token]: [Stage.current] } };
  });

  let stdout = '';
  const started = performance.now();
  const exitCode = await runCli(
    [
      'node',
      'rotor',
      '--region',
      'us-east-1',
      'rotate',
      '--provider',
      'sendgrid',
      '--all',
      '--output',
      'json',
    ],
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      stdin: process.stdin,
      env: {},
      connect: awsServices,
    },
  );
  const seconds = (performance.now() - started) / 1000;
  mock.restore();
  const { summary } = JSON.parse(stdout) as {
    summary: { succeeded: number; failed: number; throttled: number };
  };
  const bound = KEYS / QUOTA_TPS;
  console.log(
    `bulk rotate-now, ${KEYS} keys, mock enforcing ${QUOTA_TPS} TPS (${MOCK_LATENCY_MS} ms per call)`,
  );
  console.log(
    `  exit code                 ${exitCode} (succeeded ${summary.succeeded}, failed ${summary.failed})`,
  );
  console.log(
    `  wall time                 ${seconds.toFixed(1)} s = ${(seconds / bound).toFixed(2)}x the ${bound} s quota bound  (goal <= 1.20x) ${seconds / bound <= 1.2 ? 'MET' : 'MISSED'}`,
  );
  console.log(`  ThrottlingException       ${throttled}  (goal 0) ${throttled === 0 ? 'MET' : 'MISSED'}`);
}

/** Counts every call from the webhook's arrival until the provider revokes the leaked key. */
async function leakCriticalPath(which: 'current' | 'previous'): Promise<void> {
  const provider = new FakeProvider('fake');
  const auditLog: AuditEvent[] = [];
  const events = new InMemoryEventPublisher((event) => auditLog.push(event));
  let leakedKeyId = '';
  let snapshot: Record<string, number> | undefined;
  const counts = () => ({
    ...Object.fromEntries([...store.calls].map(([api, count]) => [`Secrets Manager ${api}`, count])),
    'CloudWatch Logs FilterLogEvents': fingerprints.lookups,
    'CloudWatch Logs CreateLogStream': ledger.seen.size,
    'EventBridge PutEvents': events.requests,
    'Provider create': provider.count('create'),
    'Provider verify': provider.count('verify'),
    'Provider revoke': provider.count('revoke'),
    'Lambda invocations': invocations,
  });
  const adapter = provider.adapter({
    connect: () => {
      const connection = provider.connection();
      return {
        ...connection,
        revoke: async (keyId: string) => {
          if (keyId === leakedKeyId && !snapshot)
            snapshot = { ...counts(), 'Provider revoke': provider.count('revoke') + 1 };
          return connection.revoke(keyId);
        },
      };
    },
  });
  let invocations = 0;
  const store: InMemorySecretStore = new InMemorySecretStore({
    onRotate: async (secretId, token) => {
      for (const step of ROTATION_STEPS) {
        invocations++;
        await runRotationStep(rotation, { step, secretId, token });
      }
    },
  });
  const providers = { registry: createRegistry([adapter]), endpointOverride: () => undefined };
  const rotation: RotationDeps = {
    store,
    events,
    providers,
    clock: { now: () => new Date(), sleep: async () => {} },
  };
  const fingerprints = new InMemoryFingerprintIndex(() => auditLog);
  const ledger = new InMemoryDeliveryLedger();
  store.createSecret({ name: 'rotor/admin/fake', secretString: 'admin' });
  store.createSecret({ name: 'rotor/leak-webhook', secretString: 'whsec' });
  const arn = store.createSecret({
    name: 'app/key',
    secretString: placeholderValue('fake'),
    rotationLambdaArn: 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation',
    tags: { 'rotor:provider': 'fake', 'rotor:admin-secret': 'rotor/admin/fake' },
  });
  for (let index = 0; index < (which === 'current' ? 1 : 2); index++) {
    await store.rotate(arn);
    await store.settle();
  }
  const stage = which === 'current' ? Stage.current : Stage.previous;
  const leaked = JSON.parse(
    store.versionsOf(arn).find((version) => version.stages.includes(stage))?.secretString ?? '{}',
  ) as { apiKey: string; keyId: string };
  leakedKeyId = leaked.keyId;

  store.resetCalls();
  events.clear();
  provider.calls.length = 0;
  fingerprints.lookups = 0;
  invocations = 1; // the webhook's own invocation
  const body = JSON.stringify({ key: leaked.apiKey, source: 'bench', reportedAt: new Date().toISOString() });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const started = performance.now();
  await handleLeakWebhook(
    {
      store,
      events,
      providers,
      fingerprints,
      ledger,
      clock: systemClock,
      uuid: randomUUID,
      signingSecret: cachedSigningSecret(store, 'rotor/leak-webhook', systemClock),
    },
    {
      headers: {
        'x-rotor-timestamp': timestamp,
        'x-rotor-signature': signatureOf('whsec', `${timestamp}.${body}`),
      },
      body,
    },
  );
  await store.settle();
  const elapsed = performance.now() - started;
  console.log(`leak of the ${which} key: calls from webhook to the leaked key revoked at the provider`);
  for (const [api, count] of Object.entries(snapshot ?? {}))
    if (count > 0) console.log(`  ${api.padEnd(42)}${count}`);
  console.log(
    `  ${'revoked'.padEnd(42)}${provider.isLive(leaked.keyId) ? 'NO' : 'yes'} (in-memory, ${elapsed.toFixed(1)} ms; no grace period)`,
  );
}
