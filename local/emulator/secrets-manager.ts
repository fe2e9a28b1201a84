import { randomUUID } from 'node:crypto';
import type { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { Durations } from '../../lambdas/domain/duration';
import type { Clock, SecretDescription } from '../../lambdas/domain/ports';
import {
  InvalidStageMoveError,
  RotationInProgressError,
  SecretNotFoundError,
  SecretStoreError,
  SecretVersionConflictError,
  StoreThrottledError,
} from '../../lambdas/domain/store-errors';
import { resolveSchedule, ScheduleError } from '../../lib/schedule';
import { AwsServiceError, epochSeconds, optionalString, requireString } from './aws-error';

/** RotationRules as RotateSecret takes them and DescribeSecret returns them. */
export interface RotationRules {
  readonly AutomaticallyAfterDays?: number;
  readonly Duration?: string;
  readonly ScheduleExpression?: string;
}

/** ListSecrets returns at most this many secrets per page. */
const MAX_RESULTS = 100;

/**
 * How long after a rotation the schedule rotates again. `rate(…)` and
 * AutomaticallyAfterDays are exact; a `cron(…)` expression is taken as its
 * shortest interval between firings (lib/schedule.ts), so the local next
 * rotation date is "one period after the last rotation", not the next cron
 * firing.
 */
export function rotationIntervalMs(rules: RotationRules): number {
  if (rules.ScheduleExpression !== undefined) {
    const rate = /^rate\((\d+)\s+(hour|hours|day|days)\)$/.exec(rules.ScheduleExpression.trim());
    if (rate) return Number(rate[1]) * (rate[2]?.startsWith('hour') ? Durations.HOUR : Durations.DAY);
    try {
      return resolveSchedule({ cron: rules.ScheduleExpression }).minIntervalMs;
    } catch (error) {
      if (!(error instanceof ScheduleError)) throw error;
      throw new AwsServiceError('InvalidParameterException', `ScheduleExpression: ${error.message}`);
    }
  }
  const days = rules.AutomaticallyAfterDays;
  if (typeof days !== 'number' || !Number.isInteger(days) || days < 1 || days > 1000) {
    throw new AwsServiceError(
      'InvalidParameterException',
      'RotationRules needs AutomaticallyAfterDays (1 to 1000) or ScheduleExpression',
    );
  }
  return days * Durations.DAY;
}

/**
 * Secrets Manager (JSON 1.1, `secretsmanager.*`) over the in-memory store that
 * passes the secret-store contract: this class only translates requests,
 * responses and errors, so the label semantics are the store's. RotateSecret
 * takes RotationLambdaARN and RotationRules as CloudFormation's
 * RotationSchedule sends them; the store then invokes the rotation function
 * asynchronously (its `onRotate`), as the service does.
 */
export class SecretsManagerEmulator {
  private readonly rules = new Map<string, RotationRules>();

  constructor(
    private readonly store: InMemorySecretStore,
    private readonly clock: Clock,
  ) {}

  /** RotationRules a secret was given, by ARN. */
  rulesOf(arn: string): RotationRules | undefined {
    return this.rules.get(arn);
  }

  async handle(operation: string, input: Record<string, unknown>): Promise<unknown> {
    try {
      return await this.dispatch(operation, input);
    } catch (error) {
      throw toServiceError(error);
    }
  }

  private async dispatch(operation: string, input: Record<string, unknown>): Promise<unknown> {
    switch (operation) {
      case 'CreateSecret':
        return this.createSecret(input);
      case 'DeleteSecret':
        return this.deleteSecret(input);
      case 'DescribeSecret':
        return this.describeSecret(input);
      case 'GetSecretValue':
        return this.getSecretValue(input);
      case 'PutSecretValue':
        return this.putSecretValue(input);
      case 'UpdateSecretVersionStage':
        return this.updateSecretVersionStage(input);
      case 'TagResource':
        return this.tagResource(input);
      case 'ListSecrets':
        return this.listSecrets(input);
      case 'RotateSecret':
        return this.rotateSecret(input);
      default:
        throw new AwsServiceError('UnknownOperationException', `secretsmanager.${operation} is not emulated`);
    }
  }

  private async createSecret(input: Record<string, unknown>) {
    const name = requireString(input, 'Name');
    if (input.SecretBinary !== undefined) {
      throw new AwsServiceError(
        'InvalidParameterException',
        'SecretBinary is not emulated; use SecretString',
      );
    }
    if (await this.exists(name)) {
      throw new AwsServiceError(
        'ResourceExistsException',
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const arn = this.store.createSecret({
      name,
      secretString: optionalString(input, 'SecretString'),
      tags: tagsFrom(input.Tags),
    });
    const description = await this.store.describe(arn);
    const versionId = Object.keys(description.versionIdsToStages)[0];
    return { ARN: arn, Name: name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  private async deleteSecret(input: Record<string, unknown>) {
    // Deleted at once whatever the recovery window: local secrets need no recovery.
    const description = await this.store.describe(requireString(input, 'SecretId'));
    this.store.deleteSecret(description.arn);
    this.rules.delete(description.arn);
    return { ARN: description.arn, Name: description.name, DeletionDate: epochSeconds(this.clock.now()) };
  }

  private async describeSecret(input: Record<string, unknown>) {
    const description = await this.store.describe(requireString(input, 'SecretId'));
    const { SecretVersionsToStages, ...entry } = this.entry(description);
    return { ...entry, VersionIdsToStages: SecretVersionsToStages };
  }

  private async getSecretValue(input: Record<string, unknown>) {
    const secretId = requireString(input, 'SecretId');
    const description = await this.store.describe(secretId);
    const version = await this.store.getValue(description.arn, {
      versionId: optionalString(input, 'VersionId'),
      stage: optionalString(input, 'VersionStage'),
    });
    return {
      ARN: description.arn,
      Name: description.name,
      VersionId: version.versionId,
      SecretString: version.secretString,
      VersionStages: version.stages,
      CreatedDate: epochSeconds(version.createdDate),
    };
  }

  private async putSecretValue(input: Record<string, unknown>) {
    const description = await this.store.describe(requireString(input, 'SecretId'));
    const secretString = optionalString(input, 'SecretString');
    if (secretString === undefined) {
      throw new AwsServiceError(
        'InvalidParameterException',
        'SecretString is required (SecretBinary is not emulated)',
      );
    }
    const stages = Array.isArray(input.VersionStages) ? (input.VersionStages as string[]) : ['AWSCURRENT'];
    const versionId: string = optionalString(input, 'ClientRequestToken') ?? randomUUID();
    // The store's token parameter is typed by its randomUUID default; any 32-64 character token is valid.
    await this.store.putValue(
      description.arn,
      secretString,
      stages,
      versionId as ReturnType<typeof randomUUID>,
    );
    return { ARN: description.arn, Name: description.name, VersionId: versionId, VersionStages: stages };
  }

  private async updateSecretVersionStage(input: Record<string, unknown>) {
    const description = await this.store.describe(requireString(input, 'SecretId'));
    await this.store.updateStage(description.arn, {
      stage: requireString(input, 'VersionStage'),
      moveToVersionId: optionalString(input, 'MoveToVersionId'),
      removeFromVersionId: optionalString(input, 'RemoveFromVersionId'),
    });
    return { ARN: description.arn, Name: description.name };
  }

  private async tagResource(input: Record<string, unknown>) {
    await this.store.tag(requireString(input, 'SecretId'), tagsFrom(input.Tags));
    return {};
  }

  private async listSecrets(input: Record<string, unknown>) {
    const maxResults = input.MaxResults ?? MAX_RESULTS;
    if (
      typeof maxResults !== 'number' ||
      !Number.isInteger(maxResults) ||
      maxResults < 1 ||
      maxResults > MAX_RESULTS
    ) {
      throw new AwsServiceError(
        'InvalidParameterException',
        `MaxResults must be between 1 and ${MAX_RESULTS}`,
      );
    }
    const matches = filterOf(input.Filters);
    const all: SecretDescription[] = [];
    for (const arn of this.store.secretArns()) all.push(await this.store.describe(arn));
    const found = all.filter(matches);
    const start = decodeToken(optionalString(input, 'NextToken'));
    const page = found.slice(start, start + maxResults);
    const next = start + maxResults < found.length ? encodeToken(start + maxResults) : undefined;
    return { SecretList: page.map((secret) => this.entry(secret)), ...(next ? { NextToken: next } : {}) };
  }

  private async rotateSecret(input: Record<string, unknown>) {
    const description = await this.store.describe(requireString(input, 'SecretId'));
    const lambdaArn = optionalString(input, 'RotationLambdaARN');
    const rules = input.RotationRules as RotationRules | undefined;
    if (lambdaArn !== undefined || rules !== undefined) {
      this.store.configureRotation(description.arn, {
        ...(lambdaArn !== undefined ? { lambdaArn } : {}),
        ...(rules !== undefined ? { intervalMs: rotationIntervalMs(rules) } : {}),
      });
      if (rules !== undefined) this.rules.set(description.arn, rules);
    }
    if (input.RotateImmediately === false) return { ARN: description.arn, Name: description.name };
    const { versionId } = await this.store.rotate(
      description.arn,
      optionalString(input, 'ClientRequestToken'),
    );
    return { ARN: description.arn, Name: description.name, VersionId: versionId };
  }

  private async exists(name: string): Promise<boolean> {
    try {
      await this.store.describe(name);
      return true;
    } catch (error) {
      if (error instanceof SecretNotFoundError) return false;
      throw error;
    }
  }

  /** A secret as ListSecrets returns it (DescribeSecret renames the versions map). */
  private entry(secret: SecretDescription) {
    const rules = this.rules.get(secret.arn);
    return {
      ARN: secret.arn,
      Name: secret.name,
      RotationEnabled: secret.rotationEnabled,
      ...(secret.rotationLambdaArn ? { RotationLambdaARN: secret.rotationLambdaArn } : {}),
      ...(rules ? { RotationRules: rules } : {}),
      Tags: Object.entries(secret.tags).map(([Key, Value]) => ({ Key, Value })),
      SecretVersionsToStages: secret.versionIdsToStages,
      CreatedDate: epochSeconds(secret.createdDate),
      LastChangedDate: epochSeconds(secret.lastChangedDate),
      LastRotatedDate: epochSeconds(secret.lastRotatedDate),
      LastAccessedDate: epochSeconds(secret.lastAccessedDate),
      NextRotationDate: epochSeconds(secret.nextRotationDate),
    };
  }
}

function tagsFrom(value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (!Array.isArray(value)) throw new AwsServiceError('InvalidParameterException', 'Tags must be a list');
  const tags: Record<string, string> = {};
  for (const tag of value as Record<string, unknown>[]) {
    if (typeof tag.Key !== 'string' || typeof tag.Value !== 'string') {
      throw new AwsServiceError('InvalidParameterException', 'Each tag needs a Key and a Value');
    }
    tags[tag.Key] = tag.Value;
  }
  return tags;
}

/**
 * ListSecrets' Filters as the service documents them: keys `name`, `tag-key`,
 * `tag-value`, `all`; values match as case-sensitive prefixes, a leading `!`
 * negates; values of one filter are OR'ed, filters are AND'ed.
 */
function filterOf(value: unknown): (secret: SecretDescription) => boolean {
  if (value === undefined) return () => true;
  if (!Array.isArray(value)) throw new AwsServiceError('InvalidParameterException', 'Filters must be a list');
  const filters = (value as Record<string, unknown>[]).map((filter) => {
    const key = filter.Key;
    const values = Array.isArray(filter.Values) ? (filter.Values as string[]) : [];
    const fields = (secret: SecretDescription): string[] => {
      switch (key) {
        case 'name':
          return [secret.name];
        case 'tag-key':
          return Object.keys(secret.tags);
        case 'tag-value':
          return Object.values(secret.tags);
        case 'all':
          return [secret.name, ...Object.keys(secret.tags), ...Object.values(secret.tags)];
        default:
          throw new AwsServiceError('InvalidParameterException', `Filter key ${String(key)} is not emulated`);
      }
    };
    return (secret: SecretDescription) =>
      values.some((raw) => {
        const negated = raw.startsWith('!');
        const prefix = negated ? raw.slice(1) : raw;
        const hit = fields(secret).some((field) => field.startsWith(prefix));
        return negated ? !hit : hit;
      });
  });
  return (secret) => filters.every((filter) => filter(secret));
}

function encodeToken(offset: number): string {
  return Buffer.from(`secrets:${offset}`).toString('base64url');
}

function decodeToken(token: string | undefined): number {
  if (token === undefined) return 0;
  const match = /^secrets:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!match) throw new AwsServiceError('InvalidNextTokenException', 'The NextToken value is invalid.');
  return Number(match[1]);
}

/** The store's named errors as the service's exceptions, so SecretsManagerStore translates them back. */
function toServiceError(error: unknown): Error {
  if (error instanceof AwsServiceError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof SecretNotFoundError) return new AwsServiceError('ResourceNotFoundException', message);
  if (error instanceof SecretVersionConflictError)
    return new AwsServiceError('ResourceExistsException', message);
  if (error instanceof RotationInProgressError)
    return new AwsServiceError('InvalidRequestException', message);
  if (error instanceof InvalidStageMoveError)
    return new AwsServiceError('InvalidParameterException', message);
  if (error instanceof StoreThrottledError) return new AwsServiceError('ThrottlingException', message);
  if (error instanceof SecretStoreError) return new AwsServiceError('InvalidRequestException', message);
  return new AwsServiceError('InternalServiceError', message, 500);
}
