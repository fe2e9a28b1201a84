import { DetailType } from '../../lambdas/domain/audit-events';
import { providerKeyName, providerKeyPrefix, Stage } from '../../lambdas/domain/managed-secret';
import { isPlaceholder, parseSecretValue } from '../../lambdas/domain/secret-value';
import { MODEL_POLICY, type World } from './world';

/** Sleeps inside a step or a sweep (propagation retries, write pacing) move the fake clock a little. */
const SLACK_MS = 5 * 60_000;

/** Key material as the fake provider issues it. */
const CANARY = 'CANARY-';

/**
 * The five invariants, checked against the world after every event
 * (and after every scheduled sweep inside a clock jump). Returns what is
 * violated, in words; an empty list means all hold.
 */
export class Invariants {
  /** The key each secret's AWSCURRENT held at the last check. */
  private readonly currentKey = new Map<string, string>();
  /** When a key stopped being AWSCURRENT, as first seen by a check. */
  private readonly supersededAt = new Map<string, number>();
  /** Every key id a labelled version has been seen storing. */
  private readonly everStored = new Set<string>();
  /** When each secret was last seen with a rotation in progress. */
  private readonly inProgressAt = new Map<string, number>();
  private scanned = { events: 0, logs: 0, errors: 0, leaks: 0 };

  constructor(private readonly world: World) {}

  check(): string[] {
    const violations: string[] = [];
    this.world.secrets.forEach((arn, index) => {
      violations.push(...this.checkSecret(arn, this.world.secretNames[index] as string));
    });
    violations.push(...this.checkNoKeyMaterial());
    violations.push(...this.checkLeaks());
    return violations;
  }

  /**
   * 7. (Leak response, DESIGN §4.) A leak report answered without any fault
   *    leaves the leaked key dead, unless the response says a rotation was
   *    under way (`rotation-blocked`: it alerts for a human), and always
   *    recognises a key Rotor minted.
   */
  private checkLeaks(): string[] {
    const violations: string[] = [];
    for (const leak of this.world.leaks.slice(this.scanned.leaks)) {
      if (!this.world.faultFreeEvents.has(leak.event)) continue;
      if (leak.outcomes.includes('unknown')) {
        violations.push(
          `7: leaked ${leak.keyId} was not recognised as a Rotor key (${leak.outcomes.join(', ')})`,
        );
      } else if (!leak.outcomes.includes('rotation-blocked') && this.world.provider.isLive(leak.keyId)) {
        violations.push(
          `7: leaked ${leak.keyId} is still live after the response (${leak.outcomes.join(', ')})`,
        );
      }
    }
    this.scanned.leaks = this.world.leaks.length;
    return violations;
  }

  private checkSecret(arn: string, name: string): string[] {
    const { world } = this;
    const violations: string[] = [];
    const now = world.clock.now().getTime();
    const { sweepIntervalMs, orphanDelayMs } = world.settings;

    const labelled = world.rawStore.versionsOf(arn).filter((version) => version.stages.length > 0);
    const keyIdOf = (secretString: string | undefined): string | undefined => {
      if (secretString === undefined) return undefined;
      const value = parseSecretValue(name, secretString);
      return isPlaceholder(value) ? undefined : value.keyId;
    };
    const current = labelled.find((version) => version.stages.includes(Stage.current));
    const pending = labelled.find((version) => version.stages.includes(Stage.pending));
    const currentKeyId = keyIdOf(current?.secretString);

    // 1. The key labelled AWSCURRENT is live at the provider.
    if (currentKeyId !== undefined && !world.provider.isLive(currentKeyId)) {
      violations.push(`1: ${name}: AWSCURRENT holds ${currentKeyId}, which is not live at the provider`);
    }

    const previousKeyId = this.currentKey.get(arn);
    if (
      previousKeyId !== undefined &&
      previousKeyId !== currentKeyId &&
      !this.supersededAt.has(previousKeyId)
    ) {
      this.supersededAt.set(previousKeyId, now);
    }
    if (currentKeyId !== undefined) this.currentKey.set(arn, currentKeyId);

    const prefix = providerKeyPrefix(name);
    const live = world.provider.liveKeys().filter((key) => key.name.startsWith(prefix));
    const referencedIds = new Set(labelled.map((version) => keyIdOf(version.secretString)));
    // A key named for a labelled version that holds no value yet is a rotation still minting.
    const mintingNames = new Set(
      labelled
        .filter((version) => version.secretString === undefined)
        .map((version) => providerKeyName(name, version.versionId)),
    );

    // 2. Outside a rotation in progress, at most two keys of a secret are live. A stray (a key
    // no version has ever been seen storing: an attempt minted it, then died or lost a race,
    // and its own revoke failed too) is bounded by invariant 4 instead (docs/reliability.md).
    for (const id of referencedIds) if (id !== undefined) this.everStored.add(id);
    const inProgress = pending !== undefined && pending !== current;
    if (inProgress) this.inProgressAt.set(arn, now);
    const counted = live.filter((key) => this.everStored.has(key.keyId) || mintingNames.has(key.name));
    if (!inProgress && counted.length > 2) {
      violations.push(
        `2: ${name}: ${counted.length} keys live (${counted.map((key) => key.keyId).join(', ')})`,
      );
    }

    for (const key of live) {
      const age = now - key.createdAt.getTime();
      // 3. No key lives past its max age, or past its grace period once superseded, plus one sweep.
      // A rotation that dies in the last sweep interval before the max age blocks the forced
      // rotation until the next sweep clears it: one more interval (docs/reliability.md).
      const expiry = key.createdAt.getTime() + MODEL_POLICY.maxAgeMs;
      const blocked = (this.inProgressAt.get(arn) ?? Number.NEGATIVE_INFINITY) >= expiry - sweepIntervalMs;
      const maxLife = MODEL_POLICY.maxAgeMs + (blocked ? 2 : 1) * sweepIntervalMs + SLACK_MS;
      if (age > maxLife) {
        violations.push(`3: ${name}: ${key.keyId} is live ${minutes(age)} after creation (max age 24h)`);
      }
      const superseded = this.supersededAt.get(key.keyId);
      if (superseded !== undefined && now - superseded > MODEL_POLICY.graceMs + sweepIntervalMs + SLACK_MS) {
        violations.push(
          `3: ${name}: ${key.keyId} is live ${minutes(now - superseded)} after it was superseded (grace 2h)`,
        );
      }
      // 4. No orphaned key (no labelled version stores it or is minting it) outlives the safety delay plus one sweep.
      const orphan = !referencedIds.has(key.keyId) && !mintingNames.has(key.name);
      if (orphan && age > orphanDelayMs + sweepIntervalMs + SLACK_MS) {
        violations.push(`4: ${name}: orphan ${key.keyId} is live ${minutes(age)} after creation`);
      }
    }
    return violations;
  }

  /**
   * 5. No key material in any log line, event or error (message, stack or cause).
   * 6. (Added by this harness.) The model's configuration is valid, so no fault may be
   *    reported as a configuration problem, or make a rotation give up as if it were one.
   */
  private checkNoKeyMaterial(): string[] {
    const { world } = this;
    const violations: string[] = [];
    const events = world.bus.events.slice(this.scanned.events);
    for (const event of events) {
      if (JSON.stringify(event).includes(CANARY)) {
        violations.push(`5: key material in event ${event.detailType}`);
      }
      if (event.detailType === DetailType.policyViolation && event.detail.rule === 'configuration') {
        violations.push(`6: a fault reported as a configuration problem: ${event.detail.reason}`);
      }
      if (
        event.detailType === DetailType.rotationFailed &&
        String(event.detail.cleanup).startsWith('nothing minted')
      ) {
        violations.push(`6: a rotation gave up for good on a transient fault: ${event.detail.error?.name}`);
      }
    }
    for (const line of world.logLines.slice(this.scanned.logs)) {
      if (line.includes(CANARY)) violations.push(`5: key material in log line ${line.slice(0, 80)}`);
    }
    for (const { invocation, error } of world.errors.slice(this.scanned.errors)) {
      if (errorText(error).includes(CANARY)) violations.push(`5: key material in an error of ${invocation}`);
    }
    this.scanned = {
      ...this.scanned,
      events: world.bus.events.length,
      logs: world.logLines.length,
      errors: world.errors.length,
    };
    return violations;
  }
}

/** Everything an error would show in a log: message, stack, own fields, and the same for its causes. */
function errorText(error: unknown, depth = 0): string {
  if (depth > 5) return '';
  if (!(error instanceof Error)) return String(error);
  let own = '';
  try {
    own = JSON.stringify(error);
  } catch {
    own = '';
  }
  return `${error.name} ${error.message} ${error.stack ?? ''} ${own} ${errorText(error.cause, depth + 1)}`;
}

function minutes(ms: number): string {
  return `${Math.round(ms / 60_000)} min`;
}
