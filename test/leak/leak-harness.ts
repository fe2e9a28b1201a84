import { InMemoryDeliveryLedger } from '../../lambdas/adapters/cloudwatch-delivery-ledger';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemoryFingerprintIndex } from '../../lambdas/adapters/in-memory-fingerprint-index';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import type { AuditEvent } from '../../lambdas/domain/audit-events';
import type { WebhookDeps } from '../../lambdas/domain/leak-webhook';
import { Stage } from '../../lambdas/domain/managed-secret';
import { ROTATION_STEPS, type RotationDeps, runRotationStep } from '../../lambdas/domain/rotation';
import { placeholderValue } from '../../lambdas/domain/secret-value';
import { createRegistry } from '../../lambdas/providers';
import { FakeClock } from '../support/fake-clock';
import { FakeProvider } from '../support/fake-provider';
import { ROTATION_FUNCTION_ARN } from '../support/rotation-harness';

export const SIGNING_SECRET = 'whsec-test-signing-secret';

/**
 * The leak response wired to in-memory ports: RotateSecret runs the real
 * rotation steps (as Secrets Manager would invoke the rotation function), the
 * fingerprint index reads the recorded Key Created events, the provider is fake.
 */
export function leakHarness() {
  const clock = new FakeClock('2026-12-04T19:00:00Z');
  const provider = new FakeProvider('fake', () => clock.now());
  // The audit log group keeps every event, even when a test clears the bus's recording.
  const auditLog: AuditEvent[] = [];
  const events = new InMemoryEventPublisher((event) => auditLog.push(event));
  const rotationFailures: unknown[] = [];
  const store: InMemorySecretStore = new InMemorySecretStore({
    clock,
    onRotate: async (secretId, token) => {
      try {
        for (const step of ROTATION_STEPS) await runRotationStep(rotationDeps, { step, secretId, token });
      } catch (error) {
        rotationFailures.push(error);
      }
    },
  });
  const providers = { registry: createRegistry([provider.adapter()]), endpointOverride: () => undefined };
  const rotationDeps: RotationDeps = { store, events, providers, clock };
  const fingerprints = new InMemoryFingerprintIndex(() => auditLog);
  const ledger = new InMemoryDeliveryLedger();
  let uuids = 0;
  const deps: WebhookDeps = {
    store,
    events,
    providers,
    fingerprints,
    ledger,
    clock,
    uuid: () => `00000000-0000-4000-8000-${String(++uuids).padStart(12, '0')}`,
    signingSecret: async () => SIGNING_SECRET,
  };
  store.createSecret({ name: 'rotor/admin/fake', secretString: 'admin-credential' });

  /** A managed secret with `rotations` completed rotations (the first is the bootstrap mint). */
  async function keyedSecret(name: string, rotations = 1): Promise<string> {
    const arn = store.createSecret({
      name,
      secretString: placeholderValue('fake'),
      rotationLambdaArn: ROTATION_FUNCTION_ARN,
      tags: { 'rotor:provider': 'fake', 'rotor:admin-secret': 'rotor/admin/fake', 'rotor:grace': 'PT24H' },
    });
    for (let index = 0; index < rotations; index++) {
      await store.rotate(
        arn,
        `00000000-0000-4000-9000-${String(index).padStart(12, '0')}-${name.length}`.slice(0, 36),
      );
      await store.settle();
      clock.advance(60_000);
    }
    return arn;
  }

  /** The key a label holds (test-only: reading values is what the leak response avoids). */
  function keyAt(secretId: string, stage: string): { apiKey: string; keyId: string; versionId: string } {
    const version = store.versionsOf(secretId).find((candidate) => candidate.stages.includes(stage));
    if (!version?.secretString) throw new Error(`no ${stage} on ${secretId}`);
    const value = JSON.parse(version.secretString) as { apiKey: string; keyId: string };
    return { apiKey: value.apiKey, keyId: value.keyId, versionId: version.versionId };
  }

  function labels(secretId: string): string[] {
    return store.versionsOf(secretId).flatMap((version) => version.stages);
  }

  return {
    clock,
    provider,
    events,
    store,
    deps,
    fingerprints,
    ledger,
    rotationFailures,
    keyedSecret,
    keyAt,
    labels,
    Stage,
  };
}
