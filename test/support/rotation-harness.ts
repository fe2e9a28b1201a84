import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { ROTATION_STEPS, type RotationDeps, runRotationStep } from '../../lambdas/domain/rotation';
import { placeholderValue } from '../../lambdas/domain/secret-value';
import { createRegistry } from '../../lambdas/providers';
import type { ProviderAdapter } from '../../lambdas/providers/provider';
import { FakeClock } from './fake-clock';
import { FakeProvider } from './fake-provider';

export const ROTATION_FUNCTION_ARN = 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation';

/**
 * The rotation domain wired to in-memory ports: a Secrets Manager-like store,
 * a recording event bus, a fake provider and a fake clock.
 */
export function rotationHarness(options: { adapter?: (provider: FakeProvider) => ProviderAdapter } = {}) {
  const clock = new FakeClock();
  const provider = new FakeProvider('fake', () => clock.now());
  const events = new InMemoryEventPublisher();
  const store = new InMemorySecretStore({ clock });
  const adapter = options.adapter?.(provider) ?? provider.adapter();
  const deps: RotationDeps = {
    store,
    events,
    providers: { registry: createRegistry([adapter]), endpointOverride: () => undefined },
    clock,
  };

  const adminArn = store.createSecret({ name: 'rotor/admin/fake', secretString: 'admin-credential' });

  function createManagedSecret(name = 'payments/fake-key', tags: Record<string, string> = {}) {
    return store.createSecret({
      name,
      secretString: placeholderValue('fake'),
      rotationLambdaArn: ROTATION_FUNCTION_ARN,
      tags: {
        'rotor:provider': 'fake',
        'rotor:admin-secret': 'rotor/admin/fake',
        'rotor:grace': 'PT24H',
        'rotor:max-age': 'P45D',
        ...tags,
      },
    });
  }

  /** RotateSecret followed by the four steps, as Secrets Manager runs them. */
  async function rotate(secretId: string, token?: string) {
    const { versionId } = await store.rotate(secretId, token);
    for (const step of ROTATION_STEPS) await runRotationStep(deps, { step, secretId, token: versionId });
    return versionId;
  }

  return { clock, provider, events, store, deps, adminArn, createManagedSecret, rotate };
}
