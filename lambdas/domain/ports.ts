import type { AuditEvent } from './audit-events';

/** Version id → staging labels, as Secrets Manager reports it (labelled versions only). */
export type VersionStages = Readonly<Record<string, readonly string[]>>;

/** What Secrets Manager says about a secret without reading its value (DescribeSecret / ListSecrets). */
export interface SecretDescription {
  readonly arn: string;
  readonly name: string;
  readonly rotationEnabled: boolean;
  readonly rotationLambdaArn?: string;
  readonly versionIdsToStages: VersionStages;
  readonly tags: Readonly<Record<string, string>>;
  readonly createdDate?: Date;
  readonly lastRotatedDate?: Date;
  readonly lastChangedDate?: Date;
  readonly lastAccessedDate?: Date;
  readonly nextRotationDate?: Date;
}

export interface SecretVersion {
  readonly versionId: string;
  readonly secretString: string | undefined;
  readonly stages: readonly string[];
  readonly createdDate?: Date;
}

export interface VersionSelector {
  readonly versionId?: string;
  readonly stage?: string;
}

export interface StageMove {
  readonly stage: string;
  /** Attach the label to this version. */
  readonly moveToVersionId?: string;
  /** Detach the label from this version (required when it is attached elsewhere). */
  readonly removeFromVersionId?: string;
}

export interface SecretPage {
  readonly secrets: readonly SecretDescription[];
  readonly nextToken?: string;
}

/**
 * The secret store: Secrets Manager's semantics, narrowed to what Rotor uses.
 * Implementations throw the store errors in ./store-errors.
 */
export interface SecretStore {
  describe(secretId: string): Promise<SecretDescription>;
  getValue(secretId: string, selector: VersionSelector): Promise<SecretVersion>;
  /** PutSecretValue with ClientRequestToken = versionId and the AWSPENDING label. Idempotent for the same value. */
  putPendingValue(secretId: string, versionId: string, secretString: string): Promise<void>;
  updateStage(secretId: string, move: StageMove): Promise<void>;
  tag(secretId: string, tags: Readonly<Record<string, string>>): Promise<void>;
  /** ListSecrets filtered to secrets carrying the given tag key, one page. */
  listManaged(options: {
    readonly tagKey: string;
    readonly nextToken?: string;
    readonly pageSize?: number;
  }): Promise<SecretPage>;
  /** ListSecrets filtered on a tag value (Secrets Manager matches it as a prefix). */
  findByTagValue(tagValue: string): Promise<readonly SecretDescription[]>;
  /** RotateSecret: returns the new (pending) version id. */
  rotate(secretId: string, clientRequestToken?: string): Promise<{ readonly versionId: string }>;
}

/** Publishes audit events; one call is one PutEvents request (at most 10 events). */
export interface EventPublisher {
  publish(events: readonly AuditEvent[]): Promise<void>;
}

export interface Clock {
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/**
 * Local mode's fake clock (local/clock.ts) moves time forward for everything in
 * its own process by setting this global to an offset in milliseconds. Nothing
 * else sets it, so in Lambda it is absent and systemClock is the real clock. A
 * global symbol rather than a module variable: every copy of this module that a
 * loader may create in one process sees the same offset.
 */
export const CLOCK_OFFSET_MS = Symbol.for('rotor.clock-offset-ms');

function clockOffsetMs(): number {
  const offset = (globalThis as Record<symbol, unknown>)[CLOCK_OFFSET_MS];
  return typeof offset === 'number' ? offset : 0;
}

export const systemClock: Clock = {
  now: () => new Date(Date.now() + clockOffsetMs()),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

/** Structured logging, satisfied by Powertools Logger. Attributes must never hold key material. */
export interface Log {
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}
