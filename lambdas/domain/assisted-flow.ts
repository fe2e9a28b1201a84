import { randomUUID } from 'node:crypto';
import { ProviderRequestError } from '../providers/errors';
import { type AssistedRotation, AssistedTags, resolveAssistedRotation, tagTime } from './assisted-mode';
import { type AuditDetail, type AuditEvent, DetailType, errorSummary, type Trigger } from './audit-events';
import { KeyVerificationError, RotorError } from './errors';
import { Stage } from './managed-secret';
import type { EventPublisher, SecretDescription } from './ports';
import { providerContext } from './provider-access';
import type { RotationDeps } from './rotation';
import { rotationToken } from './rotation-token';
import { fingerprintOf, isPlaceholder, type ManagedKeyValue, parseSecretValue } from './secret-value';

/** The secret is rotated through its provider's API: `rotor rotate`, not `rotor supply`. */
export class NotAssistedError extends RotorError {}

/** The supplied key is empty, too long or not a single token. The message never quotes it. */
export class InvalidSuppliedKeyError extends RotorError {}

/** An older key is still live and unconfirmed: supplying another would leave three keys live. */
export class AssistedRevocationPendingError extends RotorError {}

/** The key id given to confirm a revocation is not the key awaiting revocation. */
export class AssistedKeyMismatchError extends RotorError {}

/** The longest key Rotor accepts from an operator; real keys are far shorter. */
export const MAX_SUPPLIED_KEY_LENGTH = 4096;

/** The CLI commands an operator runs; events and alerts quote them. */
export const AssistedCommands = {
  supply: (secretName: string) => `rotor supply ${secretName} (reads the new key from stdin)`,
  confirm: (secretName: string) => `rotor confirm-revoked ${secretName}`,
} as const;

/** Setting (tag `rotor:instructions`) that replaces the adapter's generic steps for one secret. */
const INSTRUCTIONS_SETTING = 'instructions';

/**
 * The detail of `Assisted Rotation Requested`: what is due and exactly what
 * the operator does. Used by the rotation's createSecret and by reminders.
 */
export function assistedRequestDetail(
  secretName: string,
  assisted: AssistedRotation,
  tags: Readonly<Record<string, string>>,
  now: Date,
) {
  const requestedAt = tagTime(tags, AssistedTags.requestedAt) ?? now;
  const { guide, adapter, policy } = assisted;
  return {
    requestedAt: requestedAt.toISOString(),
    reason: `A new ${adapter.displayName} key is due for ${secretName}; Rotor cannot mint it`,
    instructions: policy.settings[INSTRUCTIONS_SETTING] ?? guide.createSteps,
    supplyCommand: AssistedCommands.supply(secretName),
    verification: guide.verifiable
      ? 'Rotor verifies the key with a read call before making it current'
      : 'the provider has no read call Rotor can make: check the key works before supplying it',
  };
}

export interface SupplyAssistedKeyRequest {
  /** Name or ARN of the managed secret. */
  readonly secretId: string;
  /** The new key as the operator pasted it (the CLI reads it from stdin). Never logged or echoed. */
  readonly apiKey: string;
  /** The provider's id for the key, if it shows one (must not be secret). Defaults to the key's fingerprint. */
  readonly keyId?: string;
}

export interface SupplyAssistedKeyResult {
  readonly versionId: string;
  readonly keyId: string;
  readonly fingerprint: string;
  /** False when the provider has no read call, so Rotor stored the key unverified. */
  readonly verified: boolean;
  /** When Rotor's policy retires the new key (created + max age). */
  readonly expiresAt: string;
  /** The key it replaced, which the operator must revoke at the provider by `revokeDueAt`. */
  readonly previousKey?: {
    readonly keyId: string;
    readonly fingerprint: string;
    readonly revokeDueAt: string;
  };
}

/**
 * The operator's supply path: stores the key as a pending version, verifies it
 * where the provider has a read call (with the provider's propagation
 * tolerance), promotes it to AWSCURRENT, and publishes the audit events. The
 * key it replaces stays live for the grace period; reminders then ask the
 * operator to revoke it until `confirmAssistedRevocation` is called.
 */
export async function supplyAssistedKey(
  deps: RotationDeps,
  request: SupplyAssistedKeyRequest,
): Promise<SupplyAssistedKeyResult> {
  const { store, clock } = deps;
  const description = await store.describe(request.secretId);
  const assisted = requireAssisted(deps, description);
  const apiKey = validateSuppliedKey(description.name, request.apiKey);
  const fingerprint = fingerprintOf(apiKey);
  const keyId = request.keyId?.trim() || fingerprint;

  const versions = description.versionIdsToStages;
  const currentVersion = findVersion(versions, Stage.current);
  const previousVersion = findVersion(versions, Stage.previous);
  if (previousVersion && previousVersion !== currentVersion) {
    const previous = await readKey(deps, description, previousVersion);
    if (previous) {
      throw new AssistedRevocationPendingError(
        `Key ${previous.keyId} of ${description.name} is still live: revoke it at the provider and run ` +
          `${AssistedCommands.confirm(description.name)} before supplying another key`,
      );
    }
  }
  const current = currentVersion ? await readKey(deps, description, currentVersion) : undefined;
  if (current?.fingerprint === fingerprint) {
    throw new InvalidSuppliedKeyError(`The supplied key is the current key of ${description.name}`);
  }

  const now = clock.now();
  const trigger: Trigger = current ? 'manual' : 'bootstrap';
  const versionId = rotationToken({ trigger: 'manual', revokeOutgoingNow: false }, randomUUID());
  const value: ManagedKeyValue = {
    apiKey,
    keyId,
    provider: assisted.policy.provider,
    createdAt: now.toISOString(),
    expiresAt: new Date(now.getTime() + assisted.policy.maxAgeMs).toISOString(),
    fingerprint,
  };
  const events = new EventBatch(deps.events, description, assisted, trigger, versionId, () => clock.now());
  const keyDetail = { keyId, fingerprint, versionId };

  await store.putPendingValue(description.arn, versionId, JSON.stringify(value));
  let verified = false;
  try {
    if (assisted.guide.verifiable) {
      await verifyWithPropagation(deps, description, assisted, value);
      verified = true;
      events.add(DetailType.keyVerified, keyDetail);
    }
  } catch (error) {
    // The key never worked, so nothing uses it: release AWSPENDING and leave AWSCURRENT as it was.
    await store.updateStage(description.arn, { stage: Stage.pending, removeFromVersionId: versionId });
    events.add(DetailType.rotationFailed, {
      ...keyDetail,
      error: errorSummary(error),
      cleanup: 'supplied key not stored as current; AWSPENDING released',
    });
    await events.flush();
    throw error;
  }

  await store.updateStage(description.arn, {
    stage: Stage.current,
    moveToVersionId: versionId,
    ...(currentVersion ? { removeFromVersionId: currentVersion } : {}),
  });
  // A supply is not a Secrets Manager rotation: nothing will clear AWSPENDING later, so do it now.
  await store.updateStage(description.arn, { stage: Stage.pending, removeFromVersionId: versionId });
  if (currentVersion && !current) {
    // The bootstrap placeholder is not a key: AWSPREVIOUS means "a live key".
    await store.updateStage(description.arn, { stage: Stage.previous, removeFromVersionId: currentVersion });
  }

  const revokeDueAt = current ? new Date(now.getTime() + assisted.policy.graceMs).toISOString() : '';
  await store.tag(description.arn, {
    [AssistedTags.requestedAt]: '',
    [AssistedTags.remindedAt]: '',
    [AssistedTags.revokeDueAt]: revokeDueAt,
    [AssistedTags.suppliedAt]: now.toISOString(),
  });
  events.add(DetailType.assistedKeySupplied, { ...keyDetail, verified, expiresAt: value.expiresAt });
  events.add(DetailType.rotationSucceeded, {
    versionId,
    ...(current
      ? {
          previousKeyId: current.keyId,
          previousFingerprint: current.fingerprint,
          revokeOldKeyBy: revokeDueAt,
        }
      : {}),
  });
  await events.flush();

  return {
    versionId,
    keyId,
    fingerprint,
    verified,
    expiresAt: value.expiresAt,
    ...(current
      ? { previousKey: { keyId: current.keyId, fingerprint: current.fingerprint, revokeDueAt } }
      : {}),
  };
}

export type AssistedReminderAction = 'rotation-reminded' | 'revocation-requested';

export interface AssistedReminderResult {
  /** What went out on this call; empty when nothing is open or a reminder went out recently. */
  readonly actions: readonly AssistedReminderAction[];
}

/**
 * For the enforcer's sweep, on every secret (it returns at once for
 * API-rotated ones): while an assisted rotation is open, repeats the request;
 * once the superseded key's grace period is over, asks the operator to revoke
 * it, and repeats that until `confirmAssistedRevocation`. Reminders go out at
 * most once per `rotor:remind-every` (default one day), however often the
 * sweep runs. Rotor never revokes an assisted key itself: it cannot.
 */
export async function remindAssisted(
  deps: RotationDeps,
  secret: SecretDescription,
): Promise<AssistedReminderResult> {
  const assisted = resolveAssistedRotation(deps.providers.registry, secret.name, secret.tags);
  if (!assisted) return { actions: [] };
  const now = deps.clock.now();
  const remindedAt = tagTime(secret.tags, AssistedTags.remindedAt);
  if (remindedAt && now.getTime() - remindedAt.getTime() < assisted.remindEveryMs) return { actions: [] };

  const actions: AssistedReminderAction[] = [];
  const events = new EventBatch(deps.events, secret, assisted, 'policy', undefined, () => now);

  const revokeDueAt = tagTime(secret.tags, AssistedTags.revokeDueAt);
  if (revokeDueAt && now >= revokeDueAt) {
    const previousVersion = findVersion(secret.versionIdsToStages, Stage.previous);
    const previous = previousVersion ? await readKey(deps, secret, previousVersion) : undefined;
    if (previous && previousVersion) {
      events.add(DetailType.assistedRevocationRequested, {
        keyId: previous.keyId,
        fingerprint: previous.fingerprint,
        versionId: previousVersion,
        revokeDueAt: revokeDueAt.toISOString(),
        reason: `The grace period of ${assisted.adapter.displayName} key ${previous.keyId} is over; revoke it`,
        instructions: assisted.guide.revokeSteps,
        confirmCommand: AssistedCommands.confirm(secret.name),
      });
      actions.push('revocation-requested');
    }
  }

  if (tagTime(secret.tags, AssistedTags.requestedAt)) {
    events.add(DetailType.assistedRotationRequested, {
      ...assistedRequestDetail(secret.name, assisted, secret.tags, now),
      reminder: true,
    });
    actions.push('rotation-reminded');
  }

  if (actions.length > 0) {
    await deps.store.tag(secret.arn, { [AssistedTags.remindedAt]: now.toISOString() });
    await events.flush();
  }
  return { actions };
}

export interface ConfirmAssistedRevocationRequest {
  readonly secretId: string;
  /** The key the operator revoked (its id or fingerprint); when given it must be the one awaiting revocation. */
  readonly keyId?: string;
}

export interface ConfirmAssistedRevocationResult {
  readonly outcome: 'confirmed' | 'nothing-to-confirm';
  readonly keyId?: string;
  readonly fingerprint?: string;
}

/**
 * The operator says the superseded key is revoked at the provider: Rotor
 * removes AWSPREVIOUS from it (the label means "a live key"), stops the
 * reminders, and records it as `Assisted Revocation Confirmed` and `Key Revoked`.
 */
export async function confirmAssistedRevocation(
  deps: RotationDeps,
  request: ConfirmAssistedRevocationRequest,
): Promise<ConfirmAssistedRevocationResult> {
  const { store, clock } = deps;
  const description = await store.describe(request.secretId);
  const assisted = requireAssisted(deps, description);
  const versions = description.versionIdsToStages;
  const currentVersion = findVersion(versions, Stage.current);
  const previousVersion = findVersion(versions, Stage.previous);
  const previous =
    previousVersion && previousVersion !== currentVersion
      ? await readKey(deps, description, previousVersion)
      : undefined;
  const clearTags = { [AssistedTags.revokeDueAt]: '', [AssistedTags.remindedAt]: '' };
  if (!previous || !previousVersion) {
    if (tagTime(description.tags, AssistedTags.revokeDueAt)) await store.tag(description.arn, clearTags);
    return { outcome: 'nothing-to-confirm' };
  }
  const named = request.keyId?.trim();
  if (named && named !== previous.keyId && named !== previous.fingerprint) {
    throw new AssistedKeyMismatchError(
      `Key ${named} is not the key of ${description.name} awaiting revocation (${previous.keyId})`,
    );
  }

  await store.updateStage(description.arn, { stage: Stage.previous, removeFromVersionId: previousVersion });
  await store.tag(description.arn, clearTags);

  const now = clock.now();
  const dueAt = tagTime(description.tags, AssistedTags.revokeDueAt);
  const events = new EventBatch(deps.events, description, assisted, 'manual', undefined, () => now);
  const keyDetail = { keyId: previous.keyId, fingerprint: previous.fingerprint, versionId: previousVersion };
  events.add(DetailType.assistedRevocationConfirmed, {
    ...keyDetail,
    ...(dueAt ? { revokeDueAt: dueAt.toISOString(), beforeGraceEnded: now < dueAt } : {}),
  });
  events.add(DetailType.keyRevoked, {
    ...keyDetail,
    reason: 'revoked at the provider by an operator (assisted rotation)',
    outcome: 'revoked',
    revokedBy: 'operator',
  });
  await events.flush();
  return { outcome: 'confirmed', keyId: previous.keyId, fingerprint: previous.fingerprint };
}

function requireAssisted(deps: RotationDeps, description: SecretDescription): AssistedRotation {
  const assisted = resolveAssistedRotation(deps.providers.registry, description.name, description.tags);
  if (!assisted) {
    throw new NotAssistedError(
      `${description.name} is rotated through its provider's API: use rotor rotate, not an operator-supplied key`,
    );
  }
  return assisted;
}

function validateSuppliedKey(secretName: string, raw: string): string {
  // A trailing newline from stdin is not part of the key; anything else is refused, never trimmed silently.
  const key = raw.replace(/\r?\n$/, '');
  if (key.trim() === '') throw new InvalidSuppliedKeyError(`No key was supplied for ${secretName}`);
  if (key.length > MAX_SUPPLIED_KEY_LENGTH) {
    throw new InvalidSuppliedKeyError(
      `The key supplied for ${secretName} is longer than ${MAX_SUPPLIED_KEY_LENGTH} characters`,
    );
  }
  if (/[\s\p{Cc}]/u.test(key)) {
    throw new InvalidSuppliedKeyError(
      `The key supplied for ${secretName} contains whitespace or control characters (pasted twice?)`,
    );
  }
  return key;
}

async function verifyWithPropagation(
  deps: RotationDeps,
  description: SecretDescription,
  assisted: AssistedRotation,
  value: ManagedKeyValue,
): Promise<void> {
  const { attempts, delayMs } = assisted.adapter.propagation;
  const context = providerContext(deps.providers, description.name, assisted.policy);
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      await assisted.adapter.verify(value, context);
      return;
    } catch (error) {
      if (!(error instanceof ProviderRequestError)) throw error;
      lastError = error;
      if (attempt < attempts) await deps.clock.sleep(delayMs);
    }
  }
  throw new KeyVerificationError(
    `The ${assisted.adapter.displayName} key supplied for ${description.name} did not verify after ${attempts} attempts`,
    { cause: lastError },
  );
}

async function readKey(
  deps: RotationDeps,
  description: SecretDescription,
  versionId: string,
): Promise<ManagedKeyValue | undefined> {
  const version = await deps.store.getValue(description.arn, { versionId });
  const value = parseSecretValue(description.name, version.secretString);
  return isPlaceholder(value) ? undefined : value;
}

function findVersion(versions: Readonly<Record<string, readonly string[]>>, stage: string) {
  return Object.entries(versions).find(([, stages]) => stages.includes(stage))?.[0];
}

/** The events of one assisted operation, published together in one PutEvents request. */
class EventBatch {
  private readonly events: AuditEvent[] = [];

  constructor(
    private readonly publisher: EventPublisher,
    private readonly secret: SecretDescription,
    private readonly assisted: AssistedRotation,
    private readonly trigger: Trigger,
    private readonly correlationId: string | undefined,
    private readonly now: () => Date,
  ) {}

  add(detailType: string, detail: Partial<AuditDetail>): void {
    this.events.push({
      detailType,
      detail: {
        secretId: this.secret.arn,
        secretName: this.secret.name,
        provider: this.assisted.policy.provider,
        trigger: this.trigger,
        occurredAt: this.now().toISOString(),
        mode: 'assisted',
        ...(this.correlationId ? { correlationId: this.correlationId } : {}),
        ...detail,
      },
    });
  }

  async flush(): Promise<void> {
    if (this.events.length === 0) return;
    await this.publisher.publish(this.events.splice(0));
  }
}
