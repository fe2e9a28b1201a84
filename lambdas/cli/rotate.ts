import { DetailType, errorSummary } from '../domain/audit-events';
import { Stage } from '../domain/managed-secret';
import { rotationToken } from '../domain/rotation-token';
import { RotationInProgressError, StoreThrottledError } from '../domain/store-errors';
import { mapConcurrent, RateLimiter } from './rate-limiter';
import type { CliServices } from './services';

/** RotateSecret's quota is 50 requests per second per account and Region; Rotor stays under it. */
export const ROTATE_SECRET_QUOTA_TPS = 50;
export const DEFAULT_BULK_RATE = 45;

export type RotationOutcome = 'succeeded' | 'failed' | 'timed-out' | 'in-progress' | 'started' | 'error';

/** How one rotation ended, as `rotor rotate` reports it. */
export interface RotationResult {
  readonly secret: string;
  readonly outcome: RotationOutcome;
  readonly versionId?: string;
  /** Why it did not succeed: error name and message, or the rotation's own Rotation Failed event. */
  readonly error?: string;
  /** RotateSecret calls refused with ThrottlingException and retried. */
  readonly throttled: number;
}

export interface RotateOptions {
  /** Revoke the outgoing key as soon as the new one is current (`--revoke-previous-now`). */
  readonly revokePreviousNow: boolean;
  /** Follow the rotation to its outcome; false returns once RotateSecret accepted it. */
  readonly wait: boolean;
  readonly timeoutMs: number;
  readonly pollIntervalMs: number;
}

export interface BulkOptions extends RotateOptions {
  readonly concurrency: number;
  /** RotateSecret calls per second, at most the quota. */
  readonly ratePerSecond: number;
  readonly onResult?: (result: RotationResult) => void;
}

const MAX_THROTTLE_RETRIES = 5;

export function isSuccess(result: RotationResult): boolean {
  return result.outcome === 'succeeded' || result.outcome === 'started';
}

/** Rotates one secret now and, unless told not to wait, follows it to its outcome. Never throws. */
export async function rotateOne(
  services: CliServices,
  secret: string,
  options: RotateOptions,
  limiter?: RateLimiter,
): Promise<RotationResult> {
  const token = rotationToken(
    { trigger: 'manual', revokeOutgoingNow: options.revokePreviousNow },
    services.uuid(),
  );
  let throttled = 0;
  for (let attempt = 0; ; attempt++) {
    await limiter?.acquire();
    try {
      await services.store.rotate(secret, token);
      break;
    } catch (error) {
      if (error instanceof StoreThrottledError && attempt < MAX_THROTTLE_RETRIES) {
        throttled++;
        // Exponential backoff with full jitter, as the AWS SDKs do.
        await services.clock.sleep(Math.random() * 200 * 2 ** attempt);
        continue;
      }
      if (error instanceof RotationInProgressError) {
        return { secret, outcome: 'in-progress', error: 'a rotation is already under way', throttled };
      }
      return { secret, outcome: 'error', error: describe(error), throttled };
    }
  }
  if (!options.wait) return { secret, outcome: 'started', versionId: token, throttled };
  return { ...(await followOutcome(services, secret, token, options)), throttled };
}

/**
 * Polls the secret's labels until the rotation's version is AWSCURRENT
 * (success) or has lost AWSPENDING without becoming current (the rotation
 * cleaned up after a permanent failure), or the timeout passes.
 */
export async function followRotation(
  services: CliServices,
  secret: string,
  token: string,
  options: Pick<RotateOptions, 'timeoutMs' | 'pollIntervalMs'>,
): Promise<'succeeded' | 'failed' | 'timed-out'> {
  const deadline = services.clock.now().getTime() + options.timeoutMs;
  for (;;) {
    const description = await services.store.describe(secret);
    const stages = description.versionIdsToStages[token];
    if (stages?.includes(Stage.current)) return 'succeeded';
    if (!stages?.includes(Stage.pending)) return 'failed';
    if (services.clock.now().getTime() + options.pollIntervalMs > deadline) return 'timed-out';
    await services.clock.sleep(options.pollIntervalMs);
  }
}

/** Rotates many secrets under RotateSecret's quota; starts are rate limited, follows run alongside. */
export async function rotateMany(
  services: CliServices,
  secrets: readonly string[],
  options: BulkOptions,
): Promise<RotationResult[]> {
  const rate = Math.min(options.ratePerSecond, ROTATE_SECRET_QUOTA_TPS);
  const limiter = new RateLimiter(rate, services.clock);
  const follows: Promise<RotationResult>[] = [];
  await mapConcurrent(secrets, options.concurrency, async (secret) => {
    const started = await rotateOne(services, secret, { ...options, wait: false }, limiter);
    const settle = async (): Promise<RotationResult> => {
      if (!options.wait || started.outcome !== 'started' || !started.versionId) return started;
      const followed = await followOutcome(services, secret, started.versionId, options);
      return { ...followed, throttled: started.throttled };
    };
    follows.push(
      settle().then((result) => {
        options.onResult?.(result);
        return result;
      }),
    );
  });
  const results = await Promise.all(follows);
  const order = new Map(secrets.map((secret, index) => [secret, index]));
  return results.sort((a, b) => (order.get(a.secret) ?? 0) - (order.get(b.secret) ?? 0));
}

async function followOutcome(
  services: CliServices,
  secret: string,
  token: string,
  options: RotateOptions,
): Promise<RotationResult> {
  try {
    const outcome = await followRotation(services, secret, token, options);
    if (outcome === 'succeeded') return { secret, outcome, versionId: token, throttled: 0 };
    const cause = await failureCause(services, secret, token);
    return {
      secret,
      outcome,
      versionId: token,
      throttled: 0,
      error:
        cause ??
        (outcome === 'failed'
          ? 'the rotation released AWSPENDING without promoting the new version'
          : `no outcome within ${Math.round(options.timeoutMs / 1000)} s`),
    };
  } catch (error) {
    return { secret, outcome: 'error', versionId: token, error: describe(error), throttled: 0 };
  }
}

/** The rotation's own Rotation Failed event, if the audit trail has it: the most useful cause to show. */
async function failureCause(
  services: CliServices,
  secret: string,
  token: string,
): Promise<string | undefined> {
  try {
    const since = new Date(services.clock.now().getTime() - 60 * 60 * 1000);
    const records = await services.audit.read({ secret, since, limit: 200 });
    const failure = records.find(
      (record) => record.detailType === DetailType.rotationFailed && record.detail.correlationId === token,
    );
    return failure?.detail.error
      ? `${failure.detail.error.name}: ${failure.detail.error.message}`
      : undefined;
  } catch {
    return undefined; // The audit trail is a nicety here; the outcome stands without it.
  }
}

function describe(error: unknown): string {
  const { name, message } = errorSummary(error);
  return `${name}: ${message}`;
}
