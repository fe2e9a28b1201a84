import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { errorSummary } from '../domain/audit-events';
import { type RotationDeps, runRotationStep } from '../domain/rotation';
import { parseRotationEvent } from './rotation-event';

/**
 * The rotation function's body, with its dependencies passed in: validate the
 * event, run one protocol step, record its outcome as a metric.
 */
export function createRotationHandler(
  deps: RotationDeps,
  metrics: Pick<Metrics, 'addMetric' | 'addDimension'>,
) {
  return async (event: unknown): Promise<void> => {
    const request = parseRotationEvent(event);
    const context = { step: request.step, secretId: request.secretId, correlationId: request.token };
    try {
      const outcome = await runRotationStep(deps, request);
      deps.log?.info('Rotation step finished', {
        ...context,
        result: outcome.result,
        trigger: outcome.trigger,
      });
      // Every step publishes a metric: progress is visible, and Powertools never warns of an empty set.
      metrics.addMetric('RotationStepCompleted', MetricUnit.Count, 1);
      if (request.step === 'finishSecret' && outcome.result === 'done') {
        metrics.addDimension('Provider', outcome.provider);
        metrics.addMetric('RotationSucceeded', MetricUnit.Count, 1);
      }
    } catch (error) {
      deps.log?.error('Rotation step failed', { ...context, error: errorSummary(error) });
      metrics.addMetric('RotationFailed', MetricUnit.Count, 1);
      throw error;
    }
  };
}
