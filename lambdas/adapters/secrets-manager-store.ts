import {
  DescribeSecretCommand,
  type DescribeSecretCommandOutput,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RotateSecretCommand,
  type SecretListEntry,
  type SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { Stage } from '../domain/managed-secret';
import type {
  SecretDescription,
  SecretPage,
  SecretStore,
  SecretVersion,
  StageMove,
  VersionSelector,
} from '../domain/ports';
import {
  InvalidStageMoveError,
  RotationInProgressError,
  SecretNotFoundError,
  SecretStoreError,
  SecretVersionConflictError,
  StoreAccessDeniedError,
  StoreThrottledError,
} from '../domain/store-errors';

/** The secret store over Secrets Manager: one SDK command per call, service errors translated. */
export class SecretsManagerStore implements SecretStore {
  constructor(private readonly client: SecretsManagerClient) {}

  async describe(secretId: string): Promise<SecretDescription> {
    const output = await this.call(secretId, () =>
      this.client.send(new DescribeSecretCommand({ SecretId: secretId })),
    );
    return toDescription(output);
  }

  async getValue(secretId: string, selector: VersionSelector): Promise<SecretVersion> {
    const output = await this.call(secretId, () =>
      this.client.send(
        new GetSecretValueCommand({
          SecretId: secretId,
          VersionId: selector.versionId,
          VersionStage: selector.stage,
        }),
      ),
    );
    return {
      versionId: output.VersionId ?? '',
      secretString: output.SecretString,
      stages: output.VersionStages ?? [],
      createdDate: output.CreatedDate,
    };
  }

  async putPendingValue(secretId: string, versionId: string, secretString: string): Promise<void> {
    await this.call(secretId, () =>
      this.client.send(
        new PutSecretValueCommand({
          SecretId: secretId,
          ClientRequestToken: versionId,
          SecretString: secretString,
          VersionStages: [Stage.pending],
        }),
      ),
    );
  }

  async updateStage(secretId: string, move: StageMove): Promise<void> {
    await this.call(secretId, () =>
      this.client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: move.stage,
          MoveToVersionId: move.moveToVersionId,
          RemoveFromVersionId: move.removeFromVersionId,
        }),
      ),
    );
  }

  async tag(secretId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    await this.call(secretId, () =>
      this.client.send(
        new TagResourceCommand({
          SecretId: secretId,
          Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
        }),
      ),
    );
  }

  async listManaged(options: { tagKey: string; nextToken?: string; pageSize?: number }): Promise<SecretPage> {
    const output = await this.call(undefined, () =>
      this.client.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'tag-key', Values: [options.tagKey] }],
          MaxResults: options.pageSize ?? 100,
          NextToken: options.nextToken,
        }),
      ),
    );
    const secrets = (output.SecretList ?? []).map(toDescription);
    return output.NextToken ? { secrets, nextToken: output.NextToken } : { secrets };
  }

  async findByTagValue(tagValue: string): Promise<readonly SecretDescription[]> {
    const found: SecretDescription[] = [];
    let nextToken: string | undefined;
    do {
      const output = await this.call(undefined, () =>
        this.client.send(
          new ListSecretsCommand({
            Filters: [{ Key: 'tag-value', Values: [tagValue] }],
            MaxResults: 100,
            NextToken: nextToken,
          }),
        ),
      );
      found.push(...(output.SecretList ?? []).map(toDescription));
      nextToken = output.NextToken;
    } while (nextToken);
    return found;
  }

  async rotate(secretId: string, clientRequestToken?: string): Promise<{ versionId: string }> {
    const output = await this.call(secretId, () =>
      this.client.send(
        new RotateSecretCommand({ SecretId: secretId, ClientRequestToken: clientRequestToken }),
      ),
    );
    return { versionId: output.VersionId ?? clientRequestToken ?? '' };
  }

  private async call<T>(secretId: string | undefined, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw translate(error, secretId);
    }
  }
}

/** Maps Secrets Manager's error names to the store errors the domain understands. */
export function translate(error: unknown, secretId: string | undefined): Error {
  if (!(error instanceof Error)) return new SecretStoreError(String(error));
  const subject = secretId ? ` (${secretId})` : '';
  const message = `${error.name}${subject}: ${error.message}`;
  switch (error.name) {
    case 'ResourceNotFoundException':
      return new SecretNotFoundError(message, { cause: error });
    case 'ResourceExistsException':
      return new SecretVersionConflictError(message, { cause: error });
    case 'InvalidRequestException':
      return /previous rotation/i.test(error.message)
        ? new RotationInProgressError(message, { cause: error })
        : new SecretStoreError(message, { cause: error });
    case 'InvalidParameterException':
      return new InvalidStageMoveError(message, { cause: error });
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return new StoreThrottledError(message, { cause: error });
    case 'AccessDeniedException':
    case 'DecryptionFailure':
      return new StoreAccessDeniedError(message, { cause: error });
    default:
      return new SecretStoreError(message, { cause: error });
  }
}

function toDescription(output: DescribeSecretCommandOutput | SecretListEntry): SecretDescription {
  // DescribeSecret calls the map VersionIdsToStages; ListSecrets calls it SecretVersionsToStages.
  const versions =
    ('VersionIdsToStages' in output
      ? output.VersionIdsToStages
      : (output as SecretListEntry).SecretVersionsToStages) ?? {};
  return {
    arn: output.ARN ?? '',
    name: output.Name ?? '',
    rotationEnabled: output.RotationEnabled ?? false,
    rotationLambdaArn: output.RotationLambdaARN,
    versionIdsToStages: versions,
    tags: Object.fromEntries((output.Tags ?? []).map((tag) => [tag.Key ?? '', tag.Value ?? ''])),
    createdDate: output.CreatedDate,
    lastRotatedDate: output.LastRotatedDate,
    lastChangedDate: output.LastChangedDate,
    lastAccessedDate: output.LastAccessedDate,
    nextRotationDate: output.NextRotationDate,
  };
}
