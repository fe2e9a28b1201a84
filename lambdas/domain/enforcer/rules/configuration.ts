import { DetailType, errorSummary } from '../../audit-events';
import { AdminCredentialError, ManagedSecretConfigError, UnknownProviderError } from '../../errors';
import { parsePolicy } from '../../managed-secret';
import type { SecretDescription } from '../../ports';
import type { ManagedSecret, SweepContext } from '../sweep-context';

/**
 * Rule: an invalid managed secret is a `Policy Violation` naming what is wrong.
 *
 * Malformed tags or an unknown provider leave nothing to enforce: undefined is
 * returned and the other rules skip the secret. Rotation disabled, or a
 * missing or unreadable admin credential, are reported and the secret is
 * still enforced as far as it can be (an overdue key is still rotated; a
 * revoke that needs the credential fails and is counted).
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
    const policy = parsePolicy(description.name, description.tags);
    secret = { description, policy, adapter: ctx.deps.providers.registry.get(policy.provider) };
  } catch (error) {
    if (error instanceof ManagedSecretConfigError || error instanceof UnknownProviderError) {
      violation(error.message, error);
      return undefined;
    }
    throw error;
  }

  if (!description.rotationEnabled) violation(`Managed secret ${description.name}: rotation is disabled`);
  try {
    // One GetSecretValue per admin secret per invocation: the credential is cached.
    await ctx.connect(secret);
  } catch (error) {
    if (!(error instanceof AdminCredentialError || error instanceof ManagedSecretConfigError)) throw error;
    violation(error.message, error);
  }
  return secret;
}
