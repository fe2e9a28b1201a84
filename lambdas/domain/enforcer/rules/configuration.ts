import { resolveAssistedRotation } from '../../assisted-mode';
import { DetailType, errorSummary } from '../../audit-events';
import { AdminCredentialError, ManagedSecretConfigError, UnknownProviderError } from '../../errors';
import { parsePolicy } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import { SecretStoreError, StoreThrottledError } from '../../store-errors';
import type { ManagedSecret, SweepContext } from '../sweep-context';

/**
 * Rule: an invalid managed secret is a `Policy Violation` naming what is wrong.
 *
 * Malformed tags or an unknown provider leave nothing to enforce: undefined is
 * returned and the other rules skip the secret. Rotation disabled, or a
 * missing or unreadable admin credential, are reported and the secret is
 * still enforced as far as it can be (an overdue key is still rotated; a
 * revoke that needs the credential fails and is counted).
 *
 * An assisted secret (an operator rotates it) needs no admin credential, so
 * none is looked for; everything else about it is checked as for any secret.
 */
export async function checkConfiguration(
  ctx: SweepContext,
  description: SecretDescription,
): Promise<ManagedSecret | undefined> {
  const violation = (problem: string, error?: unknown) => {
    ctx.report.policyViolations++;
    ctx.emit(description, undefined, DetailType.policyViolation, {
      rule: 'configuration',
      reason: problem,
      ...(error ? { error: errorSummary(error) } : {}),
    });
  };

  let secret: ManagedSecret;
  try {
    const { registry } = ctx.deps.providers;
    const assisted = resolveAssistedRotation(registry, description.name, description.tags);
    if (assisted) {
      secret = { description, policy: assisted.policy, adapter: assisted.adapter, assisted };
    } else {
      const policy = parsePolicy(description.name, description.tags);
      secret = { description, policy, adapter: registry.get(policy.provider) };
    }
  } catch (error) {
    if (error instanceof ManagedSecretConfigError || error instanceof UnknownProviderError) {
      violation(error.message, error);
      return undefined;
    }
    throw error;
  }

  if (!description.rotationEnabled) violation(`Managed secret ${description.name}: rotation is disabled`);
  if (secret.assisted) return secret;
  try {
    // One GetSecretValue per admin secret per invocation: the credential is cached.
    await ctx.connect(secret);
  } catch (error) {
    // A transient store failure says nothing about the configuration: enforce what can be, the rest next sweep.
    if (error instanceof StoreThrottledError || error instanceof SecretStoreError) return secret;
    if (!(error instanceof AdminCredentialError || error instanceof ManagedSecretConfigError)) throw error;
    violation(error.message, error);
  }
  return secret;
}
