import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { errorSummary } from '../domain/audit-events';
import { parseEnforcerEvent, type SweepInvoker } from '../domain/enforcer/continuation';
import type { SweepReport } from '../domain/enforcer/report';
import type { EnforcerSettings } from '../domain/enforcer/settings';
import { runSweep, type SweepOutcome } from '../domain/enforcer/sweep';
import type { EnforcerDeps } from '../domain/enforcer/sweep-context';

/** The part of Lambda's context the enforcer reads. */
export interface EnforcerInvocationContext {
  getRemainingTimeInMillis(): number;
}

export type EnforcerMetrics = Pick<Metrics, 'addMetric' | 'singleMetric'>;

/**
 * The enforcer function's body, with its dependencies passed in: parse the
 * event (schedule or continuation), sweep, hand on what is left, and record
 * the sweep as metrics in the Rotor namespace.
 */
export function createEnforcerHandler(
  deps: EnforcerDeps,
  settings: EnforcerSettings,
  invoker: SweepInvoker,
  metrics: EnforcerMetrics,
) {
  return async (event: unknown, context: EnforcerInvocationContext): Promise<SweepOutcome> => {
    const position = parseEnforcerEvent(event);
    const outcome = await runSweep(deps, settings, {
      ...(position ? { position } : {}),
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    recordMetrics(metrics, outcome);
    const log = { sweepId: outcome.sweepId, hop: position?.hop ?? 0, ...outcome.report };
    if (outcome.continuation) {
      try {
        await invoker.handOn(outcome.continuation);
      } catch (error) {
        // Failing the invocation makes the sweep failure visible (alarm, retry) instead of silently short.
        deps.log?.error('Could not hand the sweep on', { ...log, error: errorSummary(error) });
        throw error;
      }
      deps.log?.info('Sweep handed on', log);
    } else {
      deps.log?.info('Sweep finished', log);
    }
    return outcome;
  };
}

/** Metric names, for the construct's alarms and dashboard. */
export const EnforcerMetric = {
  secretsSwept: 'SecretsSwept',
  keysByAge: 'KeysByAge',
  keysOverdue: 'KeysOverdue',
  keysRevoked: 'KeysRevoked',
  orphansRevoked: 'OrphanKeysRevoked',
  policyViolations: 'PolicyViolations',
  keysUnused: 'KeysUnused',
  keysExpiring: 'KeysExpiring',
  stuckRotationsCleared: 'StuckRotationsCleared',
  rotationsStarted: 'PolicyRotationsStarted',
  assistedReminders: 'AssistedReminders',
  ruleFailures: 'SweepRuleFailures',
  eventsLost: 'AuditEventsLost',
  invocationDuration: 'SweepInvocationDuration',
  sweepDuration: 'SweepDuration',
  continuations: 'SweepContinuations',
} as const;

function recordMetrics(metrics: EnforcerMetrics, outcome: SweepOutcome): void {
  const report: SweepReport = outcome.report;
  const count = (name: string, value: number) => metrics.addMetric(name, MetricUnit.Count, value);
  count(EnforcerMetric.secretsSwept, report.secretsSwept);
  count(EnforcerMetric.keysOverdue, report.keysOverdue);
  count(EnforcerMetric.keysRevoked, report.keysRevoked);
  count(EnforcerMetric.orphansRevoked, report.orphansRevoked);
  count(EnforcerMetric.policyViolations, report.policyViolations);
  count(EnforcerMetric.keysUnused, report.keysUnused);
  count(EnforcerMetric.keysExpiring, report.keysExpiring);
  count(EnforcerMetric.stuckRotationsCleared, report.stuckRotationsCleared);
  count(EnforcerMetric.rotationsStarted, report.rotationsStarted);
  count(
    EnforcerMetric.assistedReminders,
    report.assistedRotationsReminded + report.assistedRevocationsRequested,
  );
  count(EnforcerMetric.ruleFailures, report.failures);
  count(EnforcerMetric.eventsLost, report.eventsLost);
  count(EnforcerMetric.continuations, outcome.continuation ? 1 : 0);
  metrics.addMetric(EnforcerMetric.invocationDuration, MetricUnit.Milliseconds, outcome.invocationMs);
  if (outcome.sweepMs !== undefined) {
    metrics.addMetric(EnforcerMetric.sweepDuration, MetricUnit.Milliseconds, outcome.sweepMs);
  }
  for (const [bucket, keys] of Object.entries(report.keysByAge)) {
    // One dimension value per bucket: a metric of its own, flushed at once.
    const single = metrics.singleMetric();
    single.addDimension('AgeBucket', bucket);
    single.addMetric(EnforcerMetric.keysByAge, MetricUnit.Count, keys);
  }
}
