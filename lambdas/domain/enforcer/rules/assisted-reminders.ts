import { remindAssisted } from '../../assisted-flow';
import type { ManagedSecret, SweepContext } from '../sweep-context';

/**
 * Rule, for assisted secrets only (docs/providers/assisted.md): Rotor cannot
 * revoke an operator's key or mint a new one, so instead of the previous-key
 * rule it reminds. `remindAssisted` repeats an open `Assisted Rotation
 * Requested` and, once the superseded key's grace period is over, asks for
 * its revocation (`Assisted Revocation Requested`) until the operator runs
 * `rotor confirm-revoked`; each at most once per `rotor:remind-every`.
 *
 * Its one write (the `rotor:assisted-reminded-at` tag) is paced under the
 * write quota and its events go out in the sweep's batches (ctx.rotationDeps).
 */
export async function enforceAssistedReminders(ctx: SweepContext, secret: ManagedSecret): Promise<void> {
  if (!secret.assisted) return;
  const { actions } = await remindAssisted(ctx.rotationDeps(), secret.description);
  for (const action of actions) {
    if (action === 'rotation-reminded') ctx.report.assistedRotationsReminded++;
    else ctx.report.assistedRevocationsRequested++;
  }
}
