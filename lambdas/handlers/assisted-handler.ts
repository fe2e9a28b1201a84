import { type Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  type ConfirmAssistedRevocationResult,
  confirmAssistedRevocation,
  type SupplyAssistedKeyResult,
  supplyAssistedKey,
} from '../domain/assisted-flow';
import { errorSummary } from '../domain/audit-events';
import type { RotationDeps } from '../domain/rotation';
import { parseAssistedRequest } from './assisted-event';

/** Metric names of the assisted function (namespace Rotor, service rotor-assisted). */
export const AssistedMetric = {
  keySupplied: 'AssistedKeySupplied',
  revocationConfirmed: 'AssistedRevocationConfirmed',
  failed: 'AssistedRequestFailed',
} as const;

/**
 * The assisted function's body, with its dependencies passed in: validate the
 * request, run the supply or confirm use case, return its result (key ids and
 * fingerprints, never the key). Operators reach it through the CLI, so that
 * the operator role never needs GetSecretValue on a managed key.
 */
export function createAssistedHandler(
  deps: RotationDeps,
  metrics: Pick<Metrics, 'addMetric' | 'addDimension'>,
) {
  return async (event: unknown): Promise<SupplyAssistedKeyResult | ConfirmAssistedRevocationResult> => {
    const request = parseAssistedRequest(event);
    const context = { action: request.action, secretId: request.secretId };
    try {
      if (request.action === 'supply') {
        const { apiKey, secretId, keyId } = request;
        const result = await supplyAssistedKey(deps, { secretId, apiKey, ...(keyId ? { keyId } : {}) });
        deps.log?.info('Assisted key supplied', {
          ...context,
          keyId: result.keyId,
          fingerprint: result.fingerprint,
          verified: result.verified,
        });
        metrics.addMetric(AssistedMetric.keySupplied, MetricUnit.Count, 1);
        return result;
      }
      const result = await confirmAssistedRevocation(deps, request);
      deps.log?.info('Assisted revocation confirmed', { ...context, outcome: result.outcome });
      if (result.outcome === 'confirmed')
        metrics.addMetric(AssistedMetric.revocationConfirmed, MetricUnit.Count, 1);
      return result;
    } catch (error) {
      // Domain errors never carry the key (errors.ts); only the summary is logged, never the request.
      deps.log?.error('Assisted request failed', { ...context, error: errorSummary(error) });
      metrics.addMetric(AssistedMetric.failed, MetricUnit.Count, 1);
      throw error;
    }
  };
}
