import { randomUUID } from 'node:crypto';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll } from 'vitest';
import { SecretsManagerStore } from '../../lambdas/adapters/secrets-manager-store';
import { LocalAws } from '../../local/emulator/local-aws';
import { describeSecretStoreContract } from '../store/secret-store-contract';

/**
 * The local emulator is an honest stand-in only if the Secrets Manager
 * adapter, talking to it over HTTP through the AWS SDK, passes the same
 * contract as the in-memory store and as Secrets Manager itself.
 */
let aws: LocalAws;
beforeAll(async () => {
  aws = await LocalAws.start({ eventBusName: 'rotor-test' });
});
afterAll(async () => {
  await aws.close();
});

describeSecretStoreContract('Secrets Manager adapter against the local emulator', async () => {
  const client = new SecretsManagerClient({
    endpoint: aws.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
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
});
