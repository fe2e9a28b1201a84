import {
  ProviderAuthError,
  ProviderPermissionError,
  ProviderRejectedError,
  ProviderRequestError,
} from '../providers/errors';
import type { ProviderConnection } from '../providers/provider';
import { assistedRequestDetail } from './assisted-flow';
import { type AssistedRotation, AssistedTags, resolveAssistedRotation } from './assisted-mode';
import { type AuditDetail, type AuditEvent, DetailType, errorSummary, type Trigger } from './audit-events';
import {
  AdminCredentialError,
  AssistedRotationRequiredError,
  KeyVerificationError,
  ManagedSecretConfigError,
  RotationDisabledError,
  TokenNotPendingError,
  UnknownProviderError,
  UnknownRotationTokenError,
} from './errors';
import { type ManagedSecretPolicy, parsePolicy, providerKeyName, Stage, Tags } from './managed-secret';
import type { Clock, EventPublisher, Log, SecretDescription, SecretStore } from './ports';
import { connectProvider, type ProviderAccess, providerContext } from './provider-access';
import { intentOf } from './rotation-token';
import {
  fingerprintOf,
  isPlaceholder,
  type ManagedKeyValue,
  parseKeyValue,
  parseSecretValue,
} from './secret-value';
import { SecretNotFoundError } from './store-errors';

export type RotationStep = 'createSecret' | 'setSecret' | 'testSecret' | 'finishSecret';

export const ROTATION_STEPS: readonly RotationStep[] = [
  'createSecret',
  'setSecret',
  'testSecret',
  'finishSecret',
];

export interface RotationRequest {
  readonly step: RotationStep;
  readonly secretId: string;
  /** ClientRequestToken: the pending version's id and the rotation's correlation id. */
  readonly token: string;
}

export interface RotationDeps {
  readonly store: SecretStore;
  readonly events: EventPublisher;
  readonly providers: ProviderAccess;
  readonly clock: Clock;
  readonly log?: Log;
}

/** `done`: the step changed something. `no-op`: a retry found its work already done. */
export interface StepOutcome {
  readonly step: RotationStep;
  readonly result: 'done' | 'no-op';
  readonly trigger: Trigger;
  readonly provider: string;
}

/**
 * Runs one step of the Secrets Manager rotation protocol (DESIGN §1).
 *
 * Every step starts from VersionIdsToStages, as AWS's rotation templates do,
 * and is safe to repeat: Secrets Manager retries whole rotations with the same
 * token. The audit events of a step go out in one PutEvents request at its end,
 * on success or failure.
 */
export async function runRotationStep(deps: RotationDeps, request: RotationRequest): Promise<StepOutcome> {
  const description = await deps.store.describe(request.secretId);
  const rotation = new Rotation(deps, request, description);
  try {
    const result = await rotation.run();
    await rotation.flush();
    return { step: request.step, result, trigger: rotation.trigger, provider: rotation.providerId };
  } catch (error) {
    rotation.recordFailure(error);
    // The step's own error is what Secrets Manager must see, even if the audit event cannot go out.
    await rotation.flush().catch((publishError: unknown) => {
      deps.log?.error("Could not publish the failed step's audit events", {
        error: errorSummary(publishError),
      });
    });
    throw error;
  }
}

class Rotation {
  private readonly pendingEvents: AuditEvent[] = [];
  private policyCache?: ManagedSecretPolicy;
  private failureRecorded = false;
  readonly trigger: Trigger;

  constructor(
    private readonly deps: RotationDeps,
    private readonly request: RotationRequest,
    private readonly description: SecretDescription,
  ) {
    // A secret that has never completed a rotation is waiting for its first key,
    // unless an operator supplied one (assisted rotation does not set LastRotatedDate).
    const keyed =
      description.lastRotatedDate !== undefined || Boolean(description.tags[AssistedTags.suppliedAt]);
    this.trigger = keyed ? intentOf(request.token).trigger : 'bootstrap';
  }

  get providerId(): string {
    return this.policyCache?.provider ?? this.description.tags[Tags.provider] ?? 'unknown';
  }

  private get name(): string {
    return this.description.name;
  }

  private get policy(): ManagedSecretPolicy {
    this.policyCache ??= parsePolicy(this.name, this.description.tags);
    return this.policyCache;
  }

  async run(): Promise<'done' | 'no-op'> {
    const { token } = this.request;
    if (!this.description.rotationEnabled) {
      throw new RotationDisabledError(`Secret ${this.name} is not enabled for rotation`);
    }
    const stages = this.description.versionIdsToStages[token];
    if (!stages) {
      throw new UnknownRotationTokenError(
        `Secret version ${token} has no stage for rotation of secret ${this.name}`,
      );
    }
    if (stages.includes(Stage.current)) return 'no-op';
    if (!stages.includes(Stage.pending)) {
      throw new TokenNotPendingError(
        `Secret version ${token} not set as AWSPENDING for rotation of secret ${this.name}`,
      );
    }
    switch (this.request.step) {
      case 'createSecret':
        return this.createSecret();
      case 'setSecret':
        return this.setSecret();
      case 'testSecret':
        return this.testSecret();
      case 'finishSecret':
        return this.finishSecret();
    }
  }

  private async createSecret(): Promise<'done' | 'no-op'> {
    const { store } = this.deps;
    const { secretId, token } = this.request;
    if (await this.pendingValueExists()) return 'no-op';

    let connection: ProviderConnection;
    try {
      const assisted = resolveAssistedRotation(
        this.deps.providers.registry,
        this.name,
        this.description.tags,
      );
      if (assisted) await this.requestAssistedRotation(assisted);
      const adapter = this.deps.providers.registry.get(this.policy.provider);
      connection = await connectProvider(store, this.deps.providers, adapter, this.name, this.policy);
    } catch (error) {
      await this.releasePendingIfPermanent(error);
      throw error;
    }
    const keyName = providerKeyName(this.name, token);

    if (this.description.tags[Tags.minting] === token) {
      // An earlier attempt of this rotation got as far as minting: it may have
      // died after the provider made a key and before the key was stored.
      await this.revokeKeysNamed(connection, keyName, 'an interrupted attempt of this rotation minted it');
    } else {
      // Marks the mint before it happens, so a retry knows to look for the key.
      await store.tag(secretId, { [Tags.minting]: token });
    }

    const createdAt = this.deps.clock.now();
    const expiresAt = new Date(createdAt.getTime() + this.policy.maxAgeMs);
    const minted = await connection.create({ name: keyName, expiresAt }).catch(async (error: unknown) => {
      if (error instanceof ProviderRequestError && error.ambiguous) {
        // The provider may have made the key before the failure: find it and revoke it now.
        await this.revokeKeysNamed(connection, keyName, 'its creation request failed ambiguously').catch(
          () => undefined,
        );
      } else {
        await this.releasePendingIfPermanent(error);
      }
      throw error;
    });

    const value: ManagedKeyValue = {
      ...minted.publicFields,
      ...minted.credential,
      keyId: minted.keyId,
      provider: this.policy.provider,
      createdAt: createdAt.toISOString(),
      expiresAt: expiresAt.toISOString(),
      fingerprint: fingerprintOf(minted.credential.apiKey),
    };
    try {
      await store.putPendingValue(secretId, token, JSON.stringify(value));
    } catch (error) {
      // The key was never stored, so nothing else will ever revoke it.
      await connection
        .revoke(minted.keyId, { ...minted.credential, keyId: minted.keyId })
        .catch(() => undefined);
      throw error;
    }
    this.emit(DetailType.rotationStarted, {});
    this.emit(DetailType.keyCreated, {
      keyId: minted.keyId,
      fingerprint: value.fingerprint,
      versionId: token,
      expiresAt: value.expiresAt,
      ...(minted.providerExpiresAt ? { providerExpiresAt: minted.providerExpiresAt.toISOString() } : {}),
    });
    return 'done';
  }

  /**
   * Rotor cannot mint this key: it asks an operator for one (event + alert with
   * the steps) instead of failing silently, then fails the step so that
   * Secrets Manager does not report a rotation that did not happen. The
   * request replaces `Rotation Failed`, which would alert a second time.
   */
  private async requestAssistedRotation(assisted: AssistedRotation): Promise<never> {
    this.policyCache = assisted.policy;
    const now = this.deps.clock.now();
    const detail = assistedRequestDetail(this.name, assisted, this.description.tags, now);
    await this.deps.store.tag(this.request.secretId, {
      [AssistedTags.requestedAt]: detail.requestedAt,
      [AssistedTags.remindedAt]: now.toISOString(),
    });
    this.emit(DetailType.assistedRotationRequested, { versionId: this.request.token, ...detail });
    this.failureRecorded = true;
    throw new AssistedRotationRequiredError(
      `${assisted.adapter.displayName} keys for ${this.name} are rotated by an operator`,
    );
  }

  private async setSecret(): Promise<'done' | 'no-op'> {
    const adapter = this.deps.providers.registry.get(this.policy.provider);
    // Most providers activate keys at creation; only those that say otherwise need this step.
    if (!adapter.requiresActivation) return 'no-op';
    const pending = await this.readPendingKey();
    const connection = await connectProvider(
      this.deps.store,
      this.deps.providers,
      adapter,
      this.name,
      this.policy,
    );
    await connection.activate?.(pending);
    return 'done';
  }

  private async testSecret(): Promise<'done' | 'no-op'> {
    const { store, clock } = this.deps;
    const pending = await this.readPendingKey();
    const adapter = this.deps.providers.registry.get(pending.provider);
    const context = providerContext(this.deps.providers, this.name, this.policy);
    const { attempts, delayMs } = adapter.propagation;

    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      try {
        await adapter.verify(pending, context);
        this.emit(DetailType.keyVerified, this.keyDetail(pending));
        return 'done';
      } catch (error) {
        // Only the provider's answers are worth waiting out; a bad setting will not improve.
        if (!(error instanceof ProviderRequestError)) throw error;
        lastError = error;
        if (attempt < attempts) await clock.sleep(delayMs);
      }
    }

    const failure = new KeyVerificationError(
      `The new ${adapter.displayName} key for ${this.name} did not verify after ${attempts} attempts`,
      { cause: lastError },
    );
    // The key never worked, so no application uses it: revoke it and release
    // AWSPENDING so that the next rotation is not refused. AWSCURRENT is untouched.
    try {
      const connection = await connectProvider(store, this.deps.providers, adapter, this.name, this.policy);
      const outcome = await connection.revoke(pending.keyId, pending);
      this.emit(DetailType.keyRevoked, {
        ...this.keyDetail(pending),
        reason: 'failed verification',
        outcome,
      });
      await store.updateStage(this.request.secretId, {
        stage: Stage.pending,
        removeFromVersionId: this.request.token,
      });
      this.recordFailure(failure, { cleanup: 'pending key revoked, AWSPENDING released' });
    } catch (cleanupError) {
      // AWSPENDING stays on the key, so the enforcer's stuck-rotation rule revokes it later.
      this.recordFailure(failure, { cleanup: `left to the enforcer: ${errorSummary(cleanupError).message}` });
    }
    throw failure;
  }

  private async finishSecret(): Promise<'done' | 'no-op'> {
    const { store } = this.deps;
    const { secretId, token } = this.request;
    const versions = this.description.versionIdsToStages;
    const currentVersion = findVersion(versions, Stage.current);
    const previousVersion = findVersion(versions, Stage.previous);
    const intent = intentOf(token);

    let connection: ProviderConnection | undefined;
    const connect = async () => {
      const adapter = this.deps.providers.registry.get(this.policy.provider);
      connection ??= await connectProvider(store, this.deps.providers, adapter, this.name, this.policy);
      return connection;
    };

    // Two slots: a version still labelled AWSPREVIOUS holds a live key, and
    // promoting the new key would push it out of every label. Revoke it first.
    if (previousVersion && previousVersion !== currentVersion && previousVersion !== token) {
      const previous = await this.readKey(previousVersion);
      if (previous) {
        const outcome = await (await connect()).revoke(previous.keyId, previous);
        this.emit(DetailType.keyRevoked, {
          ...this.keyDetail(previous, previousVersion),
          reason: 'dropped out of AWSPREVIOUS',
          outcome,
        });
      }
    }

    // The outgoing key is read before promotion only when it must die at once
    // (a leak or an emergency) or when it may be the bootstrap placeholder.
    const outgoing =
      currentVersion && (intent.revokeOutgoingNow || this.trigger === 'bootstrap')
        ? await this.readValue(currentVersion)
        : undefined;

    await store.updateStage(secretId, {
      stage: Stage.current,
      moveToVersionId: token,
      ...(currentVersion ? { removeFromVersionId: currentVersion } : {}),
    });
    this.emit(DetailType.rotationSucceeded, { versionId: token });

    if (currentVersion && outgoing) {
      const outgoingKey = isPlaceholder(outgoing) ? undefined : outgoing;
      if (outgoingKey && intent.revokeOutgoingNow) {
        const outcome = await (await connect()).revoke(outgoingKey.keyId, outgoingKey);
        this.emit(DetailType.keyRevoked, {
          ...this.keyDetail(outgoingKey, currentVersion),
          reason: intent.trigger === 'leak' ? 'leaked' : 'revoked at once on request',
          outcome,
        });
      }
      // AWSPREVIOUS means "a live key": drop it from a revoked key or from the placeholder.
      if (!outgoingKey || intent.revokeOutgoingNow) {
        await store.updateStage(secretId, { stage: Stage.previous, removeFromVersionId: currentVersion });
      }
    }
    return 'done';
  }

  /**
   * A failure that no retry can fix (a bad tag, an unknown provider, a missing
   * or refused admin credential) releases AWSPENDING from the empty version, so
   * Secrets Manager does not refuse every later rotation. Nothing was minted.
   * Transient failures keep the label: Secrets Manager retries the rotation.
   */
  private async releasePendingIfPermanent(error: unknown): Promise<void> {
    if (!isPermanentFailure(error)) return;
    await this.deps.store.updateStage(this.request.secretId, {
      stage: Stage.pending,
      removeFromVersionId: this.request.token,
    });
    this.recordFailure(error, {
      cleanup: 'nothing minted; AWSPENDING released so the next rotation can start',
    });
  }

  private async pendingValueExists(): Promise<boolean> {
    try {
      await this.deps.store.getValue(this.request.secretId, {
        versionId: this.request.token,
        stage: Stage.pending,
      });
      return true;
    } catch (error) {
      if (error instanceof SecretNotFoundError) return false;
      throw error;
    }
  }

  private async readPendingKey(): Promise<ManagedKeyValue> {
    const version = await this.deps.store.getValue(this.request.secretId, {
      versionId: this.request.token,
      stage: Stage.pending,
    });
    return parseKeyValue(this.name, version.secretString);
  }

  private async readValue(versionId: string) {
    const version = await this.deps.store.getValue(this.request.secretId, { versionId });
    return parseSecretValue(this.name, version.secretString);
  }

  private async readKey(versionId: string): Promise<ManagedKeyValue | undefined> {
    const value = await this.readValue(versionId);
    return isPlaceholder(value) ? undefined : value;
  }

  private async revokeKeysNamed(
    connection: ProviderConnection,
    keyName: string,
    reason: string,
  ): Promise<void> {
    for (const key of await connection.listOwnKeys(keyName)) {
      if (key.name !== keyName) continue;
      const outcome = await connection.revoke(key.keyId);
      this.emit(DetailType.orphanKeyRevoked, { keyId: key.keyId, reason, outcome });
    }
  }

  private keyDetail(key: ManagedKeyValue, versionId: string = this.request.token) {
    return { keyId: key.keyId, fingerprint: key.fingerprint, versionId };
  }

  private emit(detailType: string, detail: Partial<AuditDetail>): void {
    this.pendingEvents.push({
      detailType,
      detail: {
        secretId: this.description.arn,
        secretName: this.name,
        provider: this.providerId,
        trigger: this.trigger,
        occurredAt: this.deps.clock.now().toISOString(),
        correlationId: this.request.token,
        step: this.request.step,
        ...detail,
      },
    });
  }

  recordFailure(error: unknown, extra: Partial<AuditDetail> = {}): void {
    if (this.failureRecorded) return;
    this.failureRecorded = true;
    this.emit(DetailType.rotationFailed, {
      versionId: this.request.token,
      error: errorSummary(error),
      ...extra,
    });
  }

  async flush(): Promise<void> {
    if (this.pendingEvents.length === 0) return;
    const batch = this.pendingEvents.splice(0);
    await this.deps.events.publish(batch);
  }
}

function isPermanentFailure(error: unknown): boolean {
  return (
    error instanceof ManagedSecretConfigError ||
    error instanceof UnknownProviderError ||
    error instanceof AdminCredentialError ||
    error instanceof AssistedRotationRequiredError ||
    error instanceof ProviderAuthError ||
    error instanceof ProviderPermissionError ||
    error instanceof ProviderRejectedError
  );
}

function findVersion(
  versions: Readonly<Record<string, readonly string[]>>,
  stage: string,
): string | undefined {
  return Object.entries(versions).find(([, stages]) => stages.includes(stage))?.[0];
}
