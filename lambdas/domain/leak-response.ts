import { createHash, timingSafeEqual } from 'node:crypto';
import type { AuditDetail, AuditEvent } from './audit-events';
import { DetailType, errorSummary } from './audit-events';
import type { FingerprintIndex } from './leak-ports';
import { parsePolicy, Stage, Tags } from './managed-secret';
import type { Clock, EventPublisher, Log, SecretDescription, SecretStore } from './ports';
import { connectProvider, type ProviderAccess } from './provider-access';
import { rotationToken } from './rotation-token';
import { fingerprintOf, isPlaceholder, parseSecretValue } from './secret-value';
import { RotationInProgressError, SecretNotFoundError } from './store-errors';

/** A leaked key as a scanner reported it. `key` is key material: it never leaves this module. */
export interface LeakReport {
  readonly key: string;
  /** Who reported it: `github`, or the generic format's `source`. */
  readonly source: string;
  readonly reportedAt: string;
  /** Where to read more (the alert's URL), if the scanner gave one. */
  readonly reference?: string;
}

export interface LeakDeps {
  readonly store: SecretStore;
  readonly events: EventPublisher;
  readonly providers: ProviderAccess;
  readonly fingerprints: FingerprintIndex;
  readonly clock: Clock;
  readonly uuid: () => string;
  readonly log?: Log;
}

/**
 * What the leak response did:
 * - `rotated`: the leaked key was current; a leak rotation started, and its
 *   finishSecret revokes the leaked key as soon as the new one is current;
 * - `revoked-previous`: the leaked key was the previous one; revoked now and
 *   AWSPREVIOUS dropped;
 * - `rotation-blocked`: the leaked key is current but another rotation is
 *   under way (Secrets Manager refuses a second one): alert, act by hand;
 * - `failed`: the response itself failed (the error is in the event);
 * - `unknown`: no managed secret holds a live key with this fingerprint.
 */
export type LeakAction = 'rotated' | 'revoked-previous' | 'rotation-blocked' | 'failed' | 'unknown';

export interface LeakOutcome {
  readonly action: LeakAction;
  readonly fingerprint: string;
  readonly secretId?: string;
  readonly secretName?: string;
  /** The leak rotation's token (its version id and correlation id). */
  readonly correlationId?: string;
  readonly keyId?: string;
  readonly provider?: string;
  /** Why the response failed (`failed` only). */
  readonly error?: { readonly name: string; readonly message: string };
}

/**
 * Answers a leaked key: finds its secret by fingerprint through the audit
 * trail (reading only the candidate's labelled versions to confirm), then
 * rotates or revokes, and publishes `Leak Reported` for every outcome,
 * including a key that matches nothing. The key itself goes nowhere: the
 * events, logs and outcome carry its fingerprint only.
 */
export async function respondToLeak(deps: LeakDeps, report: LeakReport): Promise<readonly LeakOutcome[]> {
  const fingerprint = fingerprintOf(report.key);
  const candidates = [...new Set(await deps.fingerprints.find(fingerprint))];
  const outcomes: LeakOutcome[] = [];
  const events: AuditEvent[] = [];
  for (const candidate of candidates) {
    const outcome = await answerCandidate(deps, report, fingerprint, candidate, events);
    if (outcome) outcomes.push(outcome);
  }
  if (outcomes.length === 0) outcomes.push({ action: 'unknown', fingerprint });
  for (const outcome of outcomes) events.push(leakReported(deps, report, outcome));
  for (let start = 0; start < events.length; start += 10) {
    await deps.events.publish(events.slice(start, start + 10));
  }
  return outcomes;
}

async function answerCandidate(
  deps: LeakDeps,
  report: LeakReport,
  fingerprint: string,
  secretId: string,
  events: AuditEvent[],
): Promise<LeakOutcome | undefined> {
  let description: SecretDescription;
  try {
    description = await deps.store.describe(secretId);
  } catch (error) {
    if (error instanceof SecretNotFoundError) return undefined; // Deleted since its key was minted.
    throw error;
  }
  const base = {
    fingerprint,
    secretId: description.arn,
    secretName: description.name,
    provider: description.tags[Tags.provider] ?? 'unknown',
  };
  const match = await findLeakedVersion(deps.store, description, report.key);
  if (!match) return undefined;
  try {
    if (match.stage === Stage.current) {
      const token = rotationToken({ trigger: 'leak', revokeOutgoingNow: true }, deps.uuid());
      try {
        await deps.store.rotate(description.arn, token);
      } catch (error) {
        if (error instanceof RotationInProgressError) {
          return { ...base, action: 'rotation-blocked', keyId: match.keyId };
        }
        throw error;
      }
      return { ...base, action: 'rotated', keyId: match.keyId, correlationId: token };
    }
    // The previous key: no rotation needed, only the revocation the grace period was postponing.
    const policy = parsePolicy(description.name, description.tags);
    const adapter = deps.providers.registry.get(policy.provider);
    const connection = await connectProvider(deps.store, deps.providers, adapter, description.name, policy);
    const outcome = await connection.revoke(match.keyId);
    await deps.store.updateStage(description.arn, {
      stage: Stage.previous,
      removeFromVersionId: match.versionId,
    });
    events.push({
      detailType: DetailType.keyRevoked,
      detail: {
        ...detailOf(deps, description),
        keyId: match.keyId,
        fingerprint,
        versionId: match.versionId,
        reason: 'leaked',
        outcome,
      },
    });
    return { ...base, action: 'revoked-previous', keyId: match.keyId };
  } catch (error) {
    deps.log?.error('Leak response failed', {
      secretName: description.name,
      fingerprint,
      error: errorSummary(error),
    });
    return { ...base, action: 'failed', keyId: match.keyId, error: errorSummary(error) };
  }
}

interface LeakedVersion {
  readonly stage: typeof Stage.current | typeof Stage.previous;
  readonly versionId: string;
  readonly keyId: string;
}

/** Reads the AWSCURRENT and AWSPREVIOUS versions only, and compares whole keys in constant time. */
async function findLeakedVersion(
  store: SecretStore,
  description: SecretDescription,
  leakedKey: string,
): Promise<LeakedVersion | undefined> {
  const leakedDigest = digest(leakedKey);
  for (const stage of [Stage.current, Stage.previous] as const) {
    const versionId = Object.entries(description.versionIdsToStages).find(([, stages]) =>
      stages.includes(stage),
    )?.[0];
    if (!versionId) continue;
    let value: ReturnType<typeof parseSecretValue>;
    try {
      value = parseSecretValue(
        description.name,
        (await store.getValue(description.arn, { versionId })).secretString,
      );
    } catch {
      continue; // An unreadable or malformed version cannot be the leaked key.
    }
    if (isPlaceholder(value)) continue;
    if (timingSafeEqual(digest(value.apiKey), leakedDigest)) return { stage, versionId, keyId: value.keyId };
  }
  return undefined;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function detailOf(deps: LeakDeps, description: SecretDescription): AuditDetail {
  return {
    secretId: description.arn,
    secretName: description.name,
    provider: description.tags[Tags.provider] ?? 'unknown',
    trigger: 'leak',
    occurredAt: deps.clock.now().toISOString(),
  };
}

function leakReported(deps: LeakDeps, report: LeakReport, outcome: LeakOutcome): AuditEvent {
  return {
    detailType: DetailType.leakReported,
    detail: {
      secretId: outcome.secretId ?? 'unknown',
      secretName: outcome.secretName ?? 'unknown',
      provider: outcome.provider ?? 'unknown',
      trigger: 'leak',
      occurredAt: deps.clock.now().toISOString(),
      fingerprint: outcome.fingerprint,
      outcome: outcome.action,
      source: report.source,
      reportedAt: report.reportedAt,
      ...(outcome.keyId ? { keyId: outcome.keyId } : {}),
      ...(outcome.correlationId ? { correlationId: outcome.correlationId } : {}),
      ...(report.reference ? { reference: report.reference } : {}),
      ...(outcome.error ? { error: outcome.error } : {}),
    },
  };
}

/**
 * Records a leak whose key the report did not carry (GitHub webhook payloads
 * usually omit the secret literal): a `Leak Reported` event with outcome
 * `unidentified`, so the alert topic tells an operator to look at the alert.
 */
export async function recordUnidentifiedLeak(
  deps: Pick<LeakDeps, 'events' | 'clock'>,
  report: Omit<LeakReport, 'key'>,
): Promise<void> {
  await deps.events.publish([
    {
      detailType: DetailType.leakReported,
      detail: {
        secretId: 'unknown',
        secretName: 'unknown',
        provider: 'unknown',
        trigger: 'leak',
        occurredAt: deps.clock.now().toISOString(),
        outcome: 'unidentified',
        source: report.source,
        reportedAt: report.reportedAt,
        ...(report.reference ? { reference: report.reference } : {}),
      },
    },
  ]);
}
