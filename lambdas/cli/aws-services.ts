import { randomUUID } from 'node:crypto';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { EventBridgePublisher } from '../adapters/eventbridge-publisher';
import { SecretsManagerStore, translate } from '../adapters/secrets-manager-store';
import { endpointOverrides } from '../config/environment';
import { systemClock } from '../domain/ports';
import { providers } from '../providers';
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
    rotationDeps: () => ({
      store,
      events: new EventBridgePublisher(new EventBridgeClient(config), options.eventBus),
      providers: { registry: providers, endpointOverride: endpointOverrides(process.env) },
      clock: systemClock,
    }),
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
