import { AGE_BUCKETS, type AgeBucket } from './timing';

/** What one invocation of the sweep saw and did; the handler turns it into metrics. */
export interface SweepReport {
  /** ListSecrets pages processed. */
  pages: number;
  secretsSwept: number;
  /** Current keys by age. */
  keysByAge: Record<AgeBucket, number>;
  /** Keys older than their max age. */
  keysOverdue: number;
  /** Keys revoked at the provider (AWSPREVIOUS past grace, stuck pending keys). */
  keysRevoked: number;
  orphansRevoked: number;
  policyViolations: number;
  keysUnused: number;
  keysExpiring: number;
  stuckRotationsCleared: number;
  rotationsStarted: number;
  /** Open assisted rotation requests repeated to the operator (`Assisted Rotation Requested`, reminder). */
  assistedRotationsReminded: number;
  /** Operators asked to revoke a superseded assisted key (`Assisted Revocation Requested`). */
  assistedRevocationsRequested: number;
  /** Rule runs that failed (a provider outage, a store error); each is logged, the sweep goes on. */
  failures: number;
  /** Audit events that could not be published. */
  eventsLost: number;
}

export function emptyReport(): SweepReport {
  return {
    pages: 0,
    secretsSwept: 0,
    keysByAge: Object.fromEntries(AGE_BUCKETS.map((bucket) => [bucket, 0])) as Record<AgeBucket, number>,
    keysOverdue: 0,
    keysRevoked: 0,
    orphansRevoked: 0,
    policyViolations: 0,
    keysUnused: 0,
    keysExpiring: 0,
    stuckRotationsCleared: 0,
    rotationsStarted: 0,
    assistedRotationsReminded: 0,
    assistedRevocationsRequested: 0,
    failures: 0,
    eventsLost: 0,
  };
}
