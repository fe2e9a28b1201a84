import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, it } from 'vitest';
import { SecretsManagerStore } from '../../lambdas/adapters/secrets-manager-store';
import { describeSecretStoreContract } from './secret-store-contract';

/**
 * The same contract against Secrets Manager: runs only when an endpoint is
 * configured (AWS_ENDPOINT_URL for an emulator, or ROTOR_CONTRACT_REAL_AWS=1
 * with credentials for the real service). Nothing here runs in CI, which has
 * neither; the in-memory run of the contract always does.
 */
const configured = Boolean(process.env.AWS_ENDPOINT_URL || process.env.ROTOR_CONTRACT_REAL_AWS === '1');

if (configured) {
  describeSecretStoreContract('Secrets Manager', async () => {
    const client = new SecretsManagerClient({});
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
      },
    };
  });
} else {
  describe('secret store contract: Secrets Manager', () => {
    it.skip('needs AWS_ENDPOINT_URL (an emulator) or ROTOR_CONTRACT_REAL_AWS=1 with credentials', () =>
      undefined);
  });
}
