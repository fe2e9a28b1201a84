import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll } from 'vitest';
import { LocalAws } from '../../local/emulator/local-aws';
import { describeSecretStoreContract, secretsManagerUnderTest } from '../store/secret-store-contract';

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

describeSecretStoreContract('Secrets Manager adapter against the local emulator', async () =>
  secretsManagerUnderTest(
    new SecretsManagerClient({
      endpoint: aws.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
  ),
);
