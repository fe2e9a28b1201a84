import { randomUUID } from 'node:crypto';
import { Tags } from '../managed-secret';
import type { SecretDescription, SecretPage } from '../ports';
import { StoreThrottledError } from '../store-errors';
import { TaskPool } from './limits';
import type { SweepReport } from './report';
import { enforceAssistedReminders } from './rules/assisted-reminders';
import { checkConfiguration } from './rules/configuration';
import { enforceExpiryWarning } from './rules/expiry-warning';
import { enforceMaxAge } from './rules/max-age';
import { enforceOrphanKeys } from './rules/orphan-keys';
import { enforcePreviousKey } from './rules/previous-key';
import { enforceStuckRotation } from './rules/stuck-rotation';
import { enforceUnusedKey } from './rules/unused-key';
import type { EnforcerSettings } from './settings';
import { type EnforcerDeps, SweepContext } from './sweep-context';
import { ageBucket, currentKeySince } from './timing';

/** Where a sweep stands: carried from one invocation to the next when a sweep is handed on. */
export interface SweepPosition {
  readonly sweepId: string;
  /** When the sweep's first invocation started (ISO-8601). */
  readonly startedAt: string;
  /** ListSecrets token of the first page not yet swept; undefined at the start. */
  readonly nextToken?: string;
  /** Invocations before this one. */
  readonly hop: number;
}

export interface SweepOptions {
  /** Resume a sweep handed on by an earlier invocation. */
  readonly position?: SweepPosition;
  /** Milliseconds left in this invocation (Lambda's getRemainingTimeInMillis). */
  readonly remainingMs: () => number;
}

export interface SweepOutcome {
  readonly sweepId: string;
  readonly report: SweepReport;
  /** Set when the invocation ran short of time: the rest of the sweep, to hand on. */
  readonly continuation?: SweepPosition;
  /** This invocation's share of the sweep. */
  readonly invocationMs: number;
  /** The whole sweep, first invocation to last; set only when the sweep is complete. */
  readonly sweepMs?: number;
}

const LIST_ATTEMPTS = 4;

/**
 * One sweep of every managed secret (DESIGN §3). Secrets come from
 * ListSecrets filtered on `rotor:provider`, 100 a page, and each rule first
 * decides from the listing alone, so a secret that needs nothing costs no
 * call of its own. The next page is listed while the current one is worked
 * on; secrets are worked on concurrently up to a bound, writes are paced
 * under the Secrets Manager quota and provider calls bounded per provider.
 *
 * A failing rule or secret is counted and logged and the sweep goes on. When
 * the invocation nears its end, the pages not yet listed are handed on as a
 * continuation: nothing is skipped silently.
 */
export async function runSweep(
  deps: EnforcerDeps,
  settings: EnforcerSettings,
  options: SweepOptions,
): Promise<SweepOutcome> {
  const started = deps.clock.now();
  const position: SweepPosition = options.position ?? {
    sweepId: randomUUID(),
    startedAt: started.toISOString(),
    hop: 0,
  };
  const ctx = new SweepContext(deps, settings, position.sweepId);
  const pool = new TaskPool(settings.secretConcurrency);

  let continuation: SweepPosition | undefined;
  let listing = listPage(deps, position.nextToken);
  for (;;) {
    const page = await listing;
    ctx.report.pages++;
    const next = page.nextToken;
    const handOn = next !== undefined && options.remainingMs() < settings.continuationReserveMs;
    if (next !== undefined && !handOn) {
      listing = listPage(deps, next);
      // Awaited on the next turn; until then a failure must not count as unhandled.
      listing.catch(() => undefined);
    }
    for (const secret of page.secrets) await pool.submit(() => enforceSecret(ctx, secret));
    if (next === undefined) break;
    if (handOn) {
      continuation = { ...position, nextToken: next, hop: position.hop + 1 };
      break;
    }
  }
  await pool.drain();
  await ctx.flush();

  const finished = deps.clock.now();
  return {
    sweepId: position.sweepId,
    report: ctx.report,
    invocationMs: finished.getTime() - started.getTime(),
    ...(continuation
      ? { continuation }
      : { sweepMs: finished.getTime() - new Date(position.startedAt).getTime() }),
  };
}

/** Applies every rule to one secret; a rule that fails is recorded and the next one still runs. */
async function enforceSecret(ctx: SweepContext, description: SecretDescription): Promise<void> {
  ctx.report.secretsSwept++;
  const since = currentKeySince(description);
  if (since) ctx.report.keysByAge[ageBucket(ctx.now.getTime() - since.getTime())]++;

  const attempt = async <T>(rule: string, run: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await run();
    } catch (error) {
      ctx.recordFailure(description, rule, error);
      return undefined;
    }
  };

  const secret = await attempt('configuration', () => checkConfiguration(ctx, description));
  if (!secret) return;
  const cleared = (await attempt('stuck-rotation', () => enforceStuckRotation(ctx, secret))) ?? false;
  await attempt('previous-key', () => enforcePreviousKey(ctx, secret));
  await attempt('assisted-reminders', () => enforceAssistedReminders(ctx, secret));
  const forced = await attempt('max-age', () => enforceMaxAge(ctx, secret, cleared));
  await attempt('unused-key', () => enforceUnusedKey(ctx, secret, forced !== undefined));
  await attempt('expiry-warning', async () => enforceExpiryWarning(ctx, secret));
  await attempt('orphan-keys', () => enforceOrphanKeys(ctx, secret));
}

/** One ListSecrets page; throttling is waited out, anything else fails the invocation. */
async function listPage(deps: EnforcerDeps, nextToken: string | undefined): Promise<SecretPage> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.store.listManaged({
        tagKey: Tags.provider,
        pageSize: 100,
        ...(nextToken ? { nextToken } : {}),
      });
    } catch (error) {
      if (!(error instanceof StoreThrottledError) || attempt >= LIST_ATTEMPTS) throw error;
      await deps.clock.sleep(250 * 2 ** attempt);
    }
  }
}
