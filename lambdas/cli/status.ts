import { Durations } from '../domain/duration';
import { type ManagedSecretPolicy, parsePolicy, Stage, Tags } from '../domain/managed-secret';
import type { SecretDescription, SecretStore } from '../domain/ports';

/** Policy states, worst first. */
export const STATES = ['violation', 'overdue', 'unused', 'due', 'ok'] as const;
export type PolicyState = (typeof STATES)[number];

/** A key is `due` when its next rotation falls within this window. */
export const DUE_WITHIN_MS = Durations.DAY;

/** One managed key as `rotor status` shows it. Dates only: no value is ever read. */
export interface StatusRow {
  readonly name: string;
  readonly arn: string;
  readonly provider: string;
  readonly state: PolicyState;
  /** Why the state is not `ok`, in words an operator can act on. */
  readonly reason?: string;
  readonly ageMs?: number;
  readonly lastRotated?: Date;
  readonly nextRotation?: Date;
  /** When the enforcer revokes the key labelled AWSPREVIOUS (last rotation + grace). */
  readonly previousLiveUntil?: Date;
  readonly lastAccessed?: Date;
}

/** Reads every managed secret with ListSecrets (tag key rotor:provider), following pages. */
export async function listManagedSecrets(store: SecretStore): Promise<SecretDescription[]> {
  const secrets: SecretDescription[] = [];
  let nextToken: string | undefined;
  do {
    const page = await store.listManaged({ tagKey: Tags.provider, nextToken });
    secrets.push(...page.secrets);
    nextToken = page.nextToken;
  } while (nextToken);
  return secrets;
}

/** The status of one managed secret from its description and tags. */
export function statusOf(secret: SecretDescription, now: Date): StatusRow {
  const base = {
    name: secret.name,
    arn: secret.arn,
    provider: secret.tags[Tags.provider] ?? 'unknown',
    lastRotated: secret.lastRotatedDate,
    nextRotation: secret.nextRotationDate,
    lastAccessed: secret.lastAccessedDate,
    ageMs: secret.lastRotatedDate ? now.getTime() - secret.lastRotatedDate.getTime() : undefined,
  };
  let policy: ManagedSecretPolicy;
  try {
    policy = parsePolicy(secret.name, secret.tags);
  } catch (error) {
    return { ...base, state: 'violation', reason: (error as Error).message };
  }
  const hasPrevious = Object.values(secret.versionIdsToStages).some((stages) =>
    stages.includes(Stage.previous),
  );
  const previousLiveUntil =
    hasPrevious && secret.lastRotatedDate
      ? new Date(secret.lastRotatedDate.getTime() + policy.graceMs)
      : undefined;
  const row = { ...base, provider: policy.provider, previousLiveUntil };
  const [state, reason] = judge(secret, policy, now, previousLiveUntil);
  return reason === undefined ? { ...row, state } : { ...row, state, reason };
}

function judge(
  secret: SecretDescription,
  policy: ManagedSecretPolicy,
  now: Date,
  previousLiveUntil: Date | undefined,
): [PolicyState, string | undefined] {
  const t = now.getTime();
  if (!secret.rotationEnabled) return ['violation', 'rotation is disabled'];
  if (!secret.lastRotatedDate) return ['overdue', 'no key minted yet'];
  if (t - secret.lastRotatedDate.getTime() > policy.maxAgeMs)
    return ['violation', 'key older than its max age'];
  if (secret.nextRotationDate && secret.nextRotationDate.getTime() < t) {
    return ['overdue', 'scheduled rotation has not happened'];
  }
  if (previousLiveUntil && previousLiveUntil.getTime() < t) {
    return ['overdue', 'previous key still live after its grace period'];
  }
  if (policy.unusedAfterMs !== undefined) {
    const lastUse = secret.lastAccessedDate ?? secret.lastRotatedDate;
    if (t - lastUse.getTime() > policy.unusedAfterMs)
      return ['unused', 'not read within its unused-after window'];
  }
  if (secret.nextRotationDate && secret.nextRotationDate.getTime() - t <= DUE_WITHIN_MS) {
    return ['due', 'rotates within 24 hours'];
  }
  return ['ok', undefined];
}

/** Worst state first; within a state, the oldest key first. */
export function sortWorstFirst(rows: readonly StatusRow[]): StatusRow[] {
  return [...rows].sort(
    (a, b) =>
      STATES.indexOf(a.state) - STATES.indexOf(b.state) ||
      (b.ageMs ?? Infinity) - (a.ageMs ?? Infinity) ||
      a.name.localeCompare(b.name),
  );
}
