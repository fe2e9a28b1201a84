import { parsePolicy, Stage } from '../domain/managed-secret';
import type { SecretDescription } from '../domain/ports';

/** What will act on a key: Secrets Manager's schedule or Rotor's enforcer. */
export type PlannedAction = 'rotate' | 'revoke-previous' | 'force-rotate';

export interface PlanEntry {
  /** When it is expected; a time in the past means it is overdue and happens at the next run. */
  readonly at: Date;
  readonly name: string;
  readonly provider: string;
  readonly action: PlannedAction;
  readonly by: 'schedule' | 'enforcer';
  readonly reason: string;
}

/**
 * The rotations and revocations expected within the window, from each secret's
 * tags and dates (no values read): the schedule's next rotation, the enforcer's
 * revocation of AWSPREVIOUS when the grace period ends, and its forced rotation
 * of a key that reaches its max age before the schedule rotates it.
 */
export function planFor(secrets: readonly SecretDescription[], now: Date, windowMs: number): PlanEntry[] {
  const end = now.getTime() + windowMs;
  const entries: PlanEntry[] = [];
  for (const secret of secrets) {
    let policy: ReturnType<typeof parsePolicy>;
    try {
      policy = parsePolicy(secret.name, secret.tags);
    } catch {
      continue; // `rotor status` reports invalid configuration; nothing is scheduled for it.
    }
    const common = { name: secret.name, provider: policy.provider };
    const next = secret.rotationEnabled ? secret.nextRotationDate : undefined;
    if (next && next.getTime() <= end) {
      entries.push({ ...common, at: next, action: 'rotate', by: 'schedule', reason: 'rotation schedule' });
    }
    const rotated = secret.lastRotatedDate?.getTime();
    if (rotated === undefined) continue;
    const hasPrevious = Object.values(secret.versionIdsToStages).some((stages) =>
      stages.includes(Stage.previous),
    );
    if (hasPrevious && rotated + policy.graceMs <= end) {
      entries.push({
        ...common,
        at: new Date(rotated + policy.graceMs),
        action: 'revoke-previous',
        by: 'enforcer',
        reason: 'grace period ends',
      });
    }
    const maxAgeAt = rotated + policy.maxAgeMs;
    if (maxAgeAt <= end && (!next || next.getTime() > maxAgeAt)) {
      entries.push({
        ...common,
        at: new Date(maxAgeAt),
        action: 'force-rotate',
        by: 'enforcer',
        reason: 'max age reached',
      });
    }
  }
  return entries.sort((a, b) => a.at.getTime() - b.at.getTime() || a.name.localeCompare(b.name));
}
