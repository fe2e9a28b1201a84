import { InMemoryEventPublisher } from '../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore, type StoreOperation } from '../lambdas/adapters/in-memory-secret-store';
import { Durations } from '../lambdas/domain/duration';
import { DEFAULT_ENFORCER_SETTINGS } from '../lambdas/domain/enforcer/settings';
import { runSweep } from '../lambdas/domain/enforcer/sweep';
import type { Clock } from '../lambdas/domain/ports';
import { fingerprintOf } from '../lambdas/domain/secret-value';
import { createRegistry } from '../lambdas/providers';
import { FakeProvider } from '../test/support/fake-provider';

const SECRETS = 10_000;
const LATENCY_MS = 20;
/** One secret in 20 (5%) needs an action: four in five a grace-expired AWSPREVIOUS, one in five an over-age key. */
const ACTION_EVERY = 20;
const WRITE_QUOTA_TPS = 50;
const ROTATION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation';

/** Real time, shifted: the fleet is built "two days ago" and swept now, with real sleeps for the rate limiter. */
class ShiftedClock implements Clock {
  private offset = Date.parse('2026-12-04T19:00:00Z') - Date.now();
  now(): Date {
    return new Date(Date.now() + this.offset);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
  jump(ms: number): void {
    this.offset += ms;
  }
}

function keyValue(keyId: string, createdAt: Date) {
  return JSON.stringify({
    apiKey: `bench-${keyId}`,
    keyId,
    provider: 'fake',
    createdAt: createdAt.toISOString(),
    expiresAt: new Date(createdAt.getTime() + 45 * Durations.DAY).toISOString(),
    fingerprint: fingerprintOf(`bench-${keyId}`),
  });
}

/**
 * Issue 4's figures: a sweep of 10,000 managed secrets in a store that adds
 * 20 ms to every call, 5% of them needing an action. Calls by API against
 * ceil(N/100) ListSecrets plus per-action calls; wall time against the lower
 * bound of the list pages in sequence plus the writes at the 50 TPS quota.
 */
export async function run(): Promise<void> {
  const clock = new ShiftedClock();
  // Built without latency; the latency is switched on for the sweep alone.
  const storeOptions = { clock, latencyMs: 0 };
  const store = new InMemorySecretStore(storeOptions);
  const provider = new FakeProvider('fake', () => clock.now());
  const connection = provider.connection();
  store.createSecret({ name: 'rotor/admin/fake', secretString: 'admin-credential' });

  let previousKeys = 0;
  let overdueKeys = 0;
  for (let i = 0; i < SECRETS; i++) {
    const action = i % ACTION_EVERY === 0;
    const overdue = action && (i / ACTION_EVERY) % 5 === 4;
    const first = await connection.create({ name: `bench-${i}`, expiresAt: clock.now() });
    const arn = store.createSecret({
      name: `fleet/key-${i}`,
      secretString: keyValue(first.keyId, clock.now()),
      rotationLambdaArn: ROTATION_ARN,
      tags: {
        'rotor:provider': 'fake',
        'rotor:admin-secret': 'rotor/admin/fake',
        ...(overdue ? { 'rotor:grace': 'PT1H', 'rotor:max-age': 'PT36H' } : {}),
      },
    });
    if (action && !overdue) {
      const second = await connection.create({ name: `bench-${i}-b`, expiresAt: clock.now() });
      await store.putValue(arn, keyValue(second.keyId, clock.now()));
      previousKeys++;
    }
    if (overdue) overdueKeys++;
  }
  clock.jump(2 * Durations.DAY);
  storeOptions.latencyMs = LATENCY_MS;
  store.resetCalls();

  const events = new InMemoryEventPublisher();
  const started = performance.now();
  const outcome = await runSweep(
    {
      store,
      events,
      providers: { registry: createRegistry([provider.adapter()]), endpointOverride: () => undefined },
      clock,
    },
    DEFAULT_ENFORCER_SETTINGS,
    { remainingMs: () => 15 * 60_000 },
  );
  const wallMs = performance.now() - started;

  const calls = (operation: StoreOperation) => store.callCount(operation);
  const pages = Math.ceil(SECRETS / 100);
  const actions = previousKeys + overdueKeys;
  const writes = calls('UpdateSecretVersionStage') + calls('RotateSecret');
  // Per action: AWSPREVIOUS = GetSecretValue + DescribeSecret + UpdateSecretVersionStage; over-age = RotateSecret.
  const goal: Record<StoreOperation, number> = {
    ListSecrets: pages,
    GetSecretValue: previousKeys + 1,
    DescribeSecret: previousKeys,
    UpdateSecretVersionStage: previousKeys,
    RotateSecret: overdueKeys,
    PutSecretValue: 0,
    TagResource: 0,
  };
  const boundMs = pages * LATENCY_MS + (writes / WRITE_QUOTA_TPS) * 1000;
  const ratio = wallMs / boundMs;

  console.log(
    `${SECRETS} secrets, ${LATENCY_MS} ms per store call, ${actions} needing an action (${previousKeys} AWSPREVIOUS past grace, ${overdueKeys} over max age)`,
  );
  console.log(
    'AWS calls by API (goal: ceil(N/100) ListSecrets + per-action calls + 1 admin credential read):',
  );
  for (const operation of Object.keys(goal) as StoreOperation[]) {
    const mark = calls(operation) === goal[operation] ? 'ok' : 'OVER';
    console.log(
      `  ${operation.padEnd(26)} ${String(calls(operation)).padStart(6)}   goal ${goal[operation]}  ${mark}`,
    );
  }
  console.log(`  provider calls: list ${provider.count('list')}, revoke ${provider.count('revoke')}`);
  console.log(
    `wall time ${(wallMs / 1000).toFixed(2)} s vs lower bound ${(boundMs / 1000).toFixed(2)} s ` +
      `(${pages} pages x ${LATENCY_MS} ms + ${writes} writes at ${WRITE_QUOTA_TPS} TPS): ` +
      `${ratio.toFixed(2)}x, goal <= 1.30x ${ratio <= 1.3 ? 'ok' : 'MISSED'}`,
  );
  console.log(
    `report: revoked ${outcome.report.keysRevoked}, rotations started ${outcome.report.rotationsStarted}, ` +
      `violations ${outcome.report.policyViolations}, failures ${outcome.report.failures}, ` +
      `PutEvents requests ${events.requests} for ${events.events.length} events`,
  );
}
