import { randomUUID } from 'node:crypto';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SecretsManagerStore, translate } from '../adapters/secrets-manager-store';
import { systemClock } from '../domain/ports';
import { LambdaAssistedService } from './assisted-service';
import { CloudWatchAuditTrail } from './audit-trail';
import type { CliServices, GlobalOptions } from './services';

/**
 * The CLI's services over AWS. --profile, --region and --endpoint-url behave
 * as in the AWS CLI; without them the SDK's own chain applies (AWS_PROFILE,
 * AWS_REGION, AWS_ENDPOINT_URL, ~/.aws/config).
 */
export function awsServices(options: GlobalOptions): CliServices {
  const config = {
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
  };
  const secrets = new SecretsManagerClient(config);
  const store = new SecretsManagerStore(secrets);
  return {
    store,
    putValue: (secretId, secretString) => putCurrentValue(secrets, secretId, secretString),
    audit: new CloudWatchAuditTrail(new CloudWatchLogsClient(config), options.auditLogGroup),
    clock: systemClock,
    uuid: randomUUID,
    assisted: new LambdaAssistedService(new LambdaClient(config), options.assistedFunction),
  };
}

/** PutSecretValue as AWSCURRENT; errors name the secret (the value never appears in them). */
export async function putCurrentValue(
  client: SecretsManagerClient,
  secretId: string,
  secretString: string,
): Promise<{ versionId: string }> {
  try {
    const output = await client.send(
      new PutSecretValueCommand({
        SecretId: secretId,
        SecretString: secretString,
        ClientRequestToken: randomUUID(),
      }),
    );
    return { versionId: output.VersionId ?? '' };
  } catch (error) {
    throw translate(error, secretId);
  }
}
