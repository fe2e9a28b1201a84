import { randomUUID } from 'node:crypto';
import { Stage } from '../domain/managed-secret';
import type {
  Clock,
  SecretDescription,
  SecretPage,
  SecretStore,
  SecretVersion,
  StageMove,
  VersionSelector,
} from '../domain/ports';
import { systemClock } from '../domain/ports';
import {
  InvalidStageMoveError,
  RotationInProgressError,
  SecretNotFoundError,
  SecretStoreError,
  SecretVersionConflictError,
} from '../domain/store-errors';

interface StoredVersion {
  readonly versionId: string;
  secretString: string | undefined;
  stages: string[];
  readonly createdDate: Date;
  /** Created by RotateSecret, so promoting it completes a rotation. */
  readonly fromRotation: boolean;
}

interface StoredSecret {
  readonly arn: string;
  readonly name: string;
  tags: Record<string, string>;
  rotationEnabled: boolean;
  rotationLambdaArn?: string;
  rotationIntervalMs?: number;
  readonly versions: Map<string, StoredVersion>;
  readonly createdDate: Date;
  lastRotatedDate?: Date;
  lastChangedDate?: Date;
  lastAccessedDate?: Date;
}

export interface CreateSecretInput {
  readonly name: string;
  readonly secretString?: string;
  readonly tags?: Readonly<Record<string, string>>;
  readonly rotationLambdaArn?: string;
  readonly rotationIntervalMs?: number;
}

export type StoreOperation =
  | 'DescribeSecret'
  | 'GetSecretValue'
  | 'PutSecretValue'
  | 'UpdateSecretVersionStage'
  | 'TagResource'
  | 'ListSecrets'
  | 'RotateSecret';

export interface InMemorySecretStoreOptions {
  readonly clock?: Clock;
  readonly region?: string;
  readonly accountId?: string;
  /** Added to every call, to model the service's latency in benchmarks. */
  readonly latencyMs?: number;
  /**
   * Called before every operation; returning an error makes the call fail with
   * it before it changes anything (fault injection for tests).
   */
  readonly fault?: (operation: StoreOperation, secretId: string | undefined) => Error | undefined;
  /**
   * What Secrets Manager does after RotateSecret: invoke the rotation function.
   * Called without being awaited, as the service invokes it asynchronously.
   */
  readonly onRotate?: (secretArn: string, token: string) => Promise<void>;
}

/**
 * A secret store with Secrets Manager's version and staging-label semantics,
 * for tests, benchmarks and local mode. What it models, as the service
 * documents it:
 * - each staging label sits on at most one version; moving AWSCURRENT moves
 *   AWSPREVIOUS to the version that held it;
 * - PutSecretValue is idempotent for the same ClientRequestToken and value and
 *   refuses the same token with a different value;
 * - RotateSecret attaches AWSPENDING to a new, empty version and refuses to
 *   start while AWSPENDING sits on a version other than AWSCURRENT's;
 * - versions without labels disappear from VersionIdsToStages but can still be
 *   read by id; GetSecretValue on an empty version is ResourceNotFound;
 * - ListSecrets pages hold at most 100 secrets; tag-value filters match prefixes.
 */
export class InMemorySecretStore implements SecretStore {
  private readonly secrets = new Map<string, StoredSecret>();
  private readonly clock: Clock;
  private readonly region: string;
  private readonly accountId: string;
  private readonly inflight = new Set<Promise<void>>();
  /** Calls made, by API name. */
  readonly calls = new Map<StoreOperation, number>();

  constructor(private readonly options: InMemorySecretStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.region = options.region ?? 'us-east-1';
    this.accountId = options.accountId ?? '123456789012';
  }

  /** CreateSecret, as CloudFormation does for a managed key (not part of the SecretStore port). */
  createSecret(input: CreateSecretInput): string {
    if (this.findByName(input.name))
      throw new SecretVersionConflictError(`Secret ${input.name} already exists`);
    const arn = `arn:aws:secretsmanager:${this.region}:${this.accountId}:secret:${input.name}-${randomSuffix()}`;
    const secret: StoredSecret = {
      arn,
      name: input.name,
      tags: { ...input.tags },
      rotationEnabled: input.rotationLambdaArn !== undefined,
      rotationLambdaArn: input.rotationLambdaArn,
      rotationIntervalMs: input.rotationIntervalMs,
      versions: new Map(),
      createdDate: this.clock.now(),
    };
    this.secrets.set(arn, secret);
    if (input.secretString !== undefined)
      this.writeVersion(secret, randomUUID(), input.secretString, [Stage.current], false);
    return arn;
  }

  /** PutSecretValue with any labels (the CLI's `admin set`, tests). Defaults to AWSCURRENT, as the service does. */
  async putValue(
    secretId: string,
    secretString: string,
    stages: readonly string[] = [Stage.current],
    token = randomUUID(),
  ) {
    await this.enter('PutSecretValue', secretId);
    this.writeVersion(this.get(secretId), token, secretString, stages, false);
  }

  /** Deletes a secret at once (tests of a missing admin credential). */
  deleteSecret(secretId: string): void {
    this.secrets.delete(this.get(secretId).arn);
  }

  /** Waits for every rotation started by RotateSecret to finish (or fail). */
  async settle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async describe(secretId: string): Promise<SecretDescription> {
    await this.enter('DescribeSecret', secretId);
    return this.snapshot(this.get(secretId));
  }

  async getValue(secretId: string, selector: VersionSelector): Promise<SecretVersion> {
    await this.enter('GetSecretValue', secretId);
    const secret = this.get(secretId);
    const stage = selector.versionId === undefined ? (selector.stage ?? Stage.current) : selector.stage;
    const version =
      selector.versionId !== undefined
        ? secret.versions.get(selector.versionId)
        : [...secret.versions.values()].find((candidate) => candidate.stages.includes(stage as string));
    if (
      !version ||
      (stage !== undefined && !version.stages.includes(stage)) ||
      version.secretString === undefined
    ) {
      throw new SecretNotFoundError(
        `Secrets Manager can't find the specified secret value for ${describeSelector(selector)}`,
      );
    }
    // The service records the access date only, not the time.
    secret.lastAccessedDate = startOfDay(this.clock.now());
    return {
      versionId: version.versionId,
      secretString: version.secretString,
      stages: [...version.stages],
      createdDate: version.createdDate,
    };
  }

  async putPendingValue(secretId: string, versionId: string, secretString: string): Promise<void> {
    await this.enter('PutSecretValue', secretId);
    this.writeVersion(this.get(secretId), versionId, secretString, [Stage.pending], false);
  }

  async updateStage(secretId: string, move: StageMove): Promise<void> {
    await this.enter('UpdateSecretVersionStage', secretId);
    const secret = this.get(secretId);
    const holder = this.holderOf(secret, move.stage);
    if (move.removeFromVersionId !== undefined && holder?.versionId !== move.removeFromVersionId) {
      throw new InvalidStageMoveError(
        `The staging label ${move.stage} is not attached to version ${move.removeFromVersionId}`,
      );
    }
    if (move.moveToVersionId === undefined) {
      if (move.removeFromVersionId === undefined)
        throw new InvalidStageMoveError('Neither MoveToVersionId nor RemoveFromVersionId given');
      detach(holder, move.stage);
      return this.changed(secret);
    }
    const target = secret.versions.get(move.moveToVersionId);
    if (!target)
      throw new SecretNotFoundError(`Version ${move.moveToVersionId} of ${secret.name} does not exist`);
    if (holder === target) return;
    if (holder && move.removeFromVersionId === undefined) {
      throw new InvalidStageMoveError(
        `The staging label ${move.stage} is currently attached to version ${holder.versionId}; specify RemoveFromVersionId`,
      );
    }
    this.attach(secret, target, move.stage);
    this.changed(secret);
  }

  async tag(secretId: string, tags: Readonly<Record<string, string>>): Promise<void> {
    await this.enter('TagResource', secretId);
    const secret = this.get(secretId);
    secret.tags = { ...secret.tags, ...tags };
  }

  async listManaged(options: { tagKey: string; nextToken?: string; pageSize?: number }): Promise<SecretPage> {
    await this.enter('ListSecrets', undefined);
    const pageSize = Math.min(options.pageSize ?? 100, 100);
    const matching = [...this.secrets.values()].filter((secret) => options.tagKey in secret.tags);
    const start = options.nextToken ? Number(options.nextToken) : 0;
    const page = matching.slice(start, start + pageSize).map((secret) => this.snapshot(secret));
    const next = start + pageSize < matching.length ? String(start + pageSize) : undefined;
    return next === undefined ? { secrets: page } : { secrets: page, nextToken: next };
  }

  async findByTagValue(tagValue: string): Promise<readonly SecretDescription[]> {
    await this.enter('ListSecrets', undefined);
    return [...this.secrets.values()]
      .filter((secret) => Object.values(secret.tags).some((value) => value.startsWith(tagValue)))
      .map((secret) => this.snapshot(secret));
  }

  async rotate(secretId: string, clientRequestToken: string = randomUUID()): Promise<{ versionId: string }> {
    await this.enter('RotateSecret', secretId);
    const secret = this.get(secretId);
    if (!secret.rotationLambdaArn) {
      throw new SecretStoreError(`Secret ${secret.name} has no rotation function configured`);
    }
    const pending = this.holderOf(secret, Stage.pending);
    const current = this.holderOf(secret, Stage.current);
    if (pending && pending !== current) {
      if (pending.versionId === clientRequestToken) return { versionId: clientRequestToken };
      throw new RotationInProgressError(
        `A previous rotation of ${secret.name} isn't complete. That rotation will be reattempted.`,
      );
    }
    if (secret.versions.has(clientRequestToken)) {
      throw new SecretVersionConflictError(`Version ${clientRequestToken} of ${secret.name} already exists`);
    }
    secret.rotationEnabled = true;
    this.writeVersion(secret, clientRequestToken, undefined, [Stage.pending], true);
    if (this.options.onRotate) {
      const run = this.options
        .onRotate(secret.arn, clientRequestToken)
        .finally(() => this.inflight.delete(run));
      this.inflight.add(run);
    }
    return { versionId: clientRequestToken };
  }

  /**
   * RotateSecret's RotationLambdaARN and RotationRules (CloudFormation's
   * RotationSchedule, local mode's emulator): sets the function and interval
   * and turns rotation on, without starting a rotation.
   */
  configureRotation(
    secretId: string,
    rotation: { readonly lambdaArn?: string; readonly intervalMs?: number },
  ): void {
    const secret = this.get(secretId);
    if (rotation.lambdaArn !== undefined) secret.rotationLambdaArn = rotation.lambdaArn;
    if (rotation.intervalMs !== undefined) secret.rotationIntervalMs = rotation.intervalMs;
    secret.rotationEnabled = true;
  }

  /** Turns rotation on or off (the console's switch; RotateSecret also turns it on). */
  setRotationEnabled(secretId: string, enabled: boolean): void {
    this.get(secretId).rotationEnabled = enabled;
  }

  /** Calls made for an API, for assertions and benchmarks. */
  callCount(operation: StoreOperation): number {
    return this.calls.get(operation) ?? 0;
  }

  resetCalls(): void {
    this.calls.clear();
  }

  /** Every version of a secret with its labels, labelled or not (for tests and invariants). */
  versionsOf(secretId: string): readonly SecretVersion[] {
    return [...this.get(secretId).versions.values()].map((version) => ({
      versionId: version.versionId,
      secretString: version.secretString,
      stages: [...version.stages],
      createdDate: version.createdDate,
    }));
  }

  /** Sets LastAccessedDate, as an application's read would (tests of the unused-key rule). */
  markAccessed(secretId: string, at: Date): void {
    this.get(secretId).lastAccessedDate = startOfDay(at);
  }

  /** Secret ARNs, in creation order. */
  secretArns(): readonly string[] {
    return [...this.secrets.keys()];
  }

  private async enter(operation: StoreOperation, secretId: string | undefined): Promise<void> {
    this.calls.set(operation, (this.calls.get(operation) ?? 0) + 1);
    if (this.options.latencyMs) await new Promise((resolve) => setTimeout(resolve, this.options.latencyMs));
    const fault = this.options.fault?.(operation, secretId);
    if (fault) throw fault;
  }

  private get(secretId: string): StoredSecret {
    const secret = this.secrets.get(secretId) ?? this.findByName(secretId) ?? this.findByPartialArn(secretId);
    if (!secret) throw new SecretNotFoundError(`Secrets Manager can't find the specified secret ${secretId}`);
    return secret;
  }

  private findByName(name: string): StoredSecret | undefined {
    return [...this.secrets.values()].find((secret) => secret.name === name);
  }

  private findByPartialArn(arn: string): StoredSecret | undefined {
    return [...this.secrets.values()].find((secret) => secret.arn.startsWith(`${arn}-`));
  }

  private holderOf(secret: StoredSecret, stage: string): StoredVersion | undefined {
    return [...secret.versions.values()].find((version) => version.stages.includes(stage));
  }

  private writeVersion(
    secret: StoredSecret,
    versionId: string,
    secretString: string | undefined,
    stages: readonly string[],
    fromRotation: boolean,
  ): void {
    const existing = secret.versions.get(versionId);
    if (existing) {
      if (existing.secretString !== undefined) {
        if (existing.secretString === secretString) return;
        throw new SecretVersionConflictError(
          `A version with ClientRequestToken ${versionId} already exists with a different value`,
        );
      }
      // RotateSecret's empty version gets its value from the rotation function.
      existing.secretString = secretString;
    } else {
      secret.versions.set(versionId, {
        versionId,
        secretString,
        stages: [],
        createdDate: this.clock.now(),
        fromRotation,
      });
    }
    const version = secret.versions.get(versionId) as StoredVersion;
    for (const stage of stages) this.attach(secret, version, stage);
    this.changed(secret);
  }

  private attach(secret: StoredSecret, target: StoredVersion, stage: string): void {
    const holder = this.holderOf(secret, stage);
    if (holder === target) return;
    detach(holder, stage);
    target.stages.push(stage);
    if (stage === Stage.current && holder) {
      this.attach(secret, holder, Stage.previous);
      if (target.fromRotation) secret.lastRotatedDate = this.clock.now();
    }
  }

  private changed(secret: StoredSecret): void {
    secret.lastChangedDate = this.clock.now();
  }

  private snapshot(secret: StoredSecret): SecretDescription {
    const versionIdsToStages: Record<string, string[]> = {};
    for (const version of secret.versions.values()) {
      if (version.stages.length > 0) versionIdsToStages[version.versionId] = [...version.stages];
    }
    const nextRotationDate =
      secret.rotationEnabled && secret.rotationIntervalMs
        ? new Date((secret.lastRotatedDate ?? secret.createdDate).getTime() + secret.rotationIntervalMs)
        : undefined;
    return {
      arn: secret.arn,
      name: secret.name,
      rotationEnabled: secret.rotationEnabled,
      rotationLambdaArn: secret.rotationLambdaArn,
      versionIdsToStages,
      tags: { ...secret.tags },
      createdDate: secret.createdDate,
      lastRotatedDate: secret.lastRotatedDate,
      lastChangedDate: secret.lastChangedDate,
      lastAccessedDate: secret.lastAccessedDate,
      nextRotationDate,
    };
  }
}

function detach(version: StoredVersion | undefined, stage: string): void {
  if (version) version.stages = version.stages.filter((candidate) => candidate !== stage);
}

function startOfDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}

function randomSuffix(): string {
  return randomUUID().replace(/-/g, '').slice(0, 6);
}

function describeSelector(selector: VersionSelector): string {
  return [
    selector.versionId && `VersionId ${selector.versionId}`,
    selector.stage && `stage ${selector.stage}`,
  ]
    .filter(Boolean)
    .join(' and ');
}
