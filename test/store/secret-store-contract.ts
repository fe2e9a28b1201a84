import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../../lambdas/adapters/secrets-manager-store';
import type { SecretStore } from '../../lambdas/domain/ports';
import {
  InvalidStageMoveError,
  SecretNotFoundError,
  SecretVersionConflictError,
} from '../../lambdas/domain/store-errors';

/** How a contract run makes secrets: CreateSecret is not part of the SecretStore port. */
export interface StoreUnderTest {
  readonly store: SecretStore;
  createSecret(name: string, secretString: string, tags?: Record<string, string>): Promise<string>;
  cleanup(): Promise<void>;
}

const labelled = async (store: SecretStore, secretId: string) =>
  (await store.describe(secretId)).versionIdsToStages;

/**
 * The Secrets Manager semantics Rotor relies on, as one suite: it runs against
 * the in-memory store always, and against Secrets Manager itself (or an
 * emulator at AWS_ENDPOINT_URL) when one is configured, so the stand-in
 * cannot drift from the service.
 */
export function describeSecretStoreContract(name: string, start: () => Promise<StoreUnderTest>): void {
  describe(`secret store contract: ${name}`, () => {
    const runs: StoreUnderTest[] = [];
    const open = async () => {
      const run = await start();
      runs.push(run);
      return run;
    };
    const uniqueName = () => `rotor-contract/${randomUUID().slice(0, 8)}`;
    afterAll(async () => {
      for (const run of runs) await run.cleanup();
    });

    it('reads AWSCURRENT by default and by stage', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      await expect(store.getValue(id, { stage: 'AWSCURRENT' })).resolves.toMatchObject({
        secretString: 'first',
      });
    });

    it('treats PutSecretValue with the same token and value as a no-op', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      const token = randomUUID();
      await store.putPendingValue(id, token, 'second');
      await expect(store.putPendingValue(id, token, 'second')).resolves.toBeUndefined();
      expect((await labelled(store, id))[token]).toEqual(['AWSPENDING']);
    });

    it('refuses the same token with a different value', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      const token = randomUUID();
      await store.putPendingValue(id, token, 'second');
      await expect(store.putPendingValue(id, token, 'third')).rejects.toBeInstanceOf(
        SecretVersionConflictError,
      );
    });

    it('moves AWSPENDING away from the version that held it when a new pending value is written', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      const [a, b] = [randomUUID(), randomUUID()];
      await store.putPendingValue(id, a, 'second');
      await store.putPendingValue(id, b, 'third');
      const stages = await labelled(store, id);
      expect(stages[b]).toEqual(['AWSPENDING']);
      expect(stages[a]).toBeUndefined();
    });

    it('gives AWSPREVIOUS to the old version when AWSCURRENT moves', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      const before = await store.getValue(id, { stage: 'AWSCURRENT' });
      const token = randomUUID();
      await store.putPendingValue(id, token, 'second');
      await store.updateStage(id, {
        stage: 'AWSCURRENT',
        moveToVersionId: token,
        removeFromVersionId: before.versionId,
      });
      const stages = await labelled(store, id);
      expect([...(stages[token] ?? [])].sort()).toEqual(['AWSCURRENT', 'AWSPENDING']);
      expect(stages[before.versionId]).toEqual(['AWSPREVIOUS']);
    });

    it('refuses to move a label without naming the version that holds it', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      const token = randomUUID();
      await store.putPendingValue(id, token, 'second');
      await expect(
        store.updateStage(id, { stage: 'AWSCURRENT', moveToVersionId: token }),
      ).rejects.toBeInstanceOf(InvalidStageMoveError);
    });

    it('refuses to remove a label from a version that does not hold it', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      const token = randomUUID();
      await store.putPendingValue(id, token, 'second');
      await expect(
        store.updateStage(id, { stage: 'AWSPREVIOUS', removeFromVersionId: token }),
      ).rejects.toBeInstanceOf(InvalidStageMoveError);
    });

    it('drops a version without labels from VersionIdsToStages but still reads it by id', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      const token = randomUUID();
      await store.putPendingValue(id, token, 'second');
      await store.updateStage(id, { stage: 'AWSPENDING', removeFromVersionId: token });
      expect((await labelled(store, id))[token]).toBeUndefined();
      await expect(store.getValue(id, { versionId: token })).resolves.toMatchObject({
        secretString: 'second',
      });
    });

    it('does not return a version for a stage it does not hold', async () => {
      const { store, createSecret } = await open();
      const id = await createSecret(uniqueName(), 'first');
      const token = randomUUID();
      await store.putPendingValue(id, token, 'second');
      await expect(store.getValue(id, { versionId: token, stage: 'AWSCURRENT' })).rejects.toBeInstanceOf(
        SecretNotFoundError,
      );
    });

    it('reports a missing secret as SecretNotFoundError', async () => {
      const { store } = await open();
      await expect(store.describe(`rotor-contract/missing-${randomUUID()}`)).rejects.toBeInstanceOf(
        SecretNotFoundError,
      );
    });

    it('merges tags and lists secrets by tag key, and finds them by tag value prefix', async () => {
      const { store, createSecret } = await open();
      const marker = `contract-${randomUUID().slice(0, 8)}`;
      const id = await createSecret(uniqueName(), 'first', { [`rotor-test:${marker}`]: 'x' });
      await store.tag(id, { 'rotor-test:fingerprint': `sha256:${marker}0123` });
      const description = await store.describe(id);
      expect(description.tags).toMatchObject({
        [`rotor-test:${marker}`]: 'x',
        'rotor-test:fingerprint': `sha256:${marker}0123`,
      });
      const page = await store.listManaged({ tagKey: `rotor-test:${marker}` });
      expect(page.secrets.map((secret) => secret.arn)).toEqual([description.arn]);
      const found = await store.findByTagValue(`sha256:${marker}`);
      expect(found.map((secret) => secret.arn)).toEqual([description.arn]);
    });
  });
}

/**
 * The Secrets Manager adapter over a real client (the service, or an emulator
 * at its endpoint): secrets are created with CreateSecret and force-deleted
 * afterwards.
 */
export function secretsManagerUnderTest(client: SecretsManagerClient): StoreUnderTest {
  const created: string[] = [];
  return {
    store: new SecretsManagerStore(client),
    createSecret: async (name, secretString, tags = {}) => {
      const output = await client.send(
        new CreateSecretCommand({
          Name: `${name}-${randomUUID().slice(0, 4)}`,
          SecretString: secretString,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      );
      created.push(output.ARN as string);
      return output.ARN as string;
    },
    cleanup: async () => {
      for (const arn of created) {
        await client.send(new DeleteSecretCommand({ SecretId: arn, ForceDeleteWithoutRecovery: true }));
      }
      client.destroy();
    },
  };
}
