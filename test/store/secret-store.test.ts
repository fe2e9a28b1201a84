import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { RotationInProgressError, SecretNotFoundError } from '../../lambdas/domain/store-errors';
import { describeSecretStoreContract, secretsManagerUnderTest } from './secret-store-contract';

describeSecretStoreContract('in-memory', async () => {
  const store = new InMemorySecretStore();
  return {
    store,
    createSecret: async (name, secretString, tags) => store.createSecret({ name, secretString, tags }),
    cleanup: async () => undefined,
  };
});

/*
 * The same contract against Secrets Manager itself, registered only when an
 * endpoint is configured: AWS_ENDPOINT_URL (an emulator, e.g. `npm run dev`)
 * or ROTOR_CONTRACT_REAL_AWS=1 with credentials for the real service. CI has
 * neither; there the emulator run in test/local/emulator-contract.test.ts
 * checks the Secrets Manager adapter against the same contract.
 */
if (process.env.AWS_ENDPOINT_URL || process.env.ROTOR_CONTRACT_REAL_AWS === '1') {
  describeSecretStoreContract('Secrets Manager', async () =>
    secretsManagerUnderTest(new SecretsManagerClient({})),
  );
}

/** RotateSecret's behaviour needs a rotation function, which the shared contract cannot assume. */
describe('InMemorySecretStore rotation', () => {
  const LAMBDA = 'arn:aws:lambda:us-east-1:123456789012:function:rotor-rotation';

  it('attaches AWSPENDING to a new, empty version whose value cannot be read yet', async () => {
    const store = new InMemorySecretStore();
    const id = store.createSecret({ name: 'a', secretString: 'v1', rotationLambdaArn: LAMBDA });
    const { versionId } = await store.rotate(id);
    expect((await store.describe(id)).versionIdsToStages[versionId]).toEqual(['AWSPENDING']);
    await expect(store.getValue(id, { versionId, stage: 'AWSPENDING' })).rejects.toBeInstanceOf(
      SecretNotFoundError,
    );
  });

  it('refuses a new rotation while AWSPENDING sits on a version other than AWSCURRENT’s', async () => {
    const store = new InMemorySecretStore();
    const id = store.createSecret({ name: 'a', secretString: 'v1', rotationLambdaArn: LAMBDA });
    await store.rotate(id);
    await expect(store.rotate(id)).rejects.toBeInstanceOf(RotationInProgressError);
  });

  it('accepts the same token again while that rotation is in progress', async () => {
    const store = new InMemorySecretStore();
    const id = store.createSecret({ name: 'a', secretString: 'v1', rotationLambdaArn: LAMBDA });
    const { versionId } = await store.rotate(id);
    await expect(store.rotate(id, versionId)).resolves.toEqual({ versionId });
  });

  it('sets LastRotatedDate when a rotation’s version becomes AWSCURRENT', async () => {
    const store = new InMemorySecretStore();
    const id = store.createSecret({ name: 'a', secretString: 'v1', rotationLambdaArn: LAMBDA });
    const current = await store.getValue(id, {});
    const { versionId } = await store.rotate(id);
    await store.putPendingValue(id, versionId, 'v2');
    expect((await store.describe(id)).lastRotatedDate).toBeUndefined();
    await store.updateStage(id, {
      stage: 'AWSCURRENT',
      moveToVersionId: versionId,
      removeFromVersionId: current.versionId,
    });
    expect((await store.describe(id)).lastRotatedDate).toBeInstanceOf(Date);
  });

  it('pages ListSecrets by at most 100', async () => {
    const store = new InMemorySecretStore();
    for (let i = 0; i < 250; i++)
      store.createSecret({ name: `s${i}`, secretString: 'v', tags: { 'rotor:provider': 'x' } });
    const first = await store.listManaged({ tagKey: 'rotor:provider', pageSize: 500 });
    expect(first.secrets).toHaveLength(100);
    const second = await store.listManaged({ tagKey: 'rotor:provider', nextToken: first.nextToken });
    const third = await store.listManaged({ tagKey: 'rotor:provider', nextToken: second.nextToken });
    expect(third.secrets).toHaveLength(50);
    expect(third.nextToken).toBeUndefined();
  });
});
