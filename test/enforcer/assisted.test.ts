import { describe, expect, it } from 'vitest';
import { InMemoryEventPublisher } from '../../lambdas/adapters/in-memory-event-publisher';
import { InMemorySecretStore } from '../../lambdas/adapters/in-memory-secret-store';
import { confirmAssistedRevocation, supplyAssistedKey } from '../../lambdas/domain/assisted-flow';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { DEFAULT_ENFORCER_SETTINGS, type EnforcerSettings } from '../../lambdas/domain/enforcer/settings';
import { runSweep } from '../../lambdas/domain/enforcer/sweep';
import { Stage } from '../../lambdas/domain/managed-secret';
import type { SecretStore } from '../../lambdas/domain/ports';
import { ROTATION_STEPS, type RotationDeps, runRotationStep } from '../../lambdas/domain/rotation';
import { placeholderValue } from '../../lambdas/domain/secret-value';
import { createRegistry } from '../../lambdas/providers';
import { manual } from '../../lambdas/providers/manual';
import type { ProviderAdapter } from '../../lambdas/providers/provider';
import { stripe } from '../../lambdas/providers/stripe';
import { FakeClock } from '../support/fake-clock';
import { ROTATION_FUNCTION_ARN } from '../support/rotation-harness';

const HOUR = Durations.HOUR;
const DAY = Durations.DAY;

/**
 * The enforcer over in-memory ports with the real `manual` and `stripe`
 * adapters. Every connection to a provider is recorded: an assisted secret
 * must never cause one. RotateSecret runs the rotation function, as Secrets
 * Manager does, so a forced rotation shows what an operator would receive.
 */
function world(settings: Partial<EnforcerSettings> = {}) {
  const clock = new FakeClock();
  const events = new InMemoryEventPublisher();
  const providerCalls: string[] = [];
  const recorded = (adapter: ProviderAdapter): ProviderAdapter => ({
    ...adapter,
    connect: (options) => {
      providerCalls.push(`${adapter.id}: connect`);
      return adapter.connect(options);
    },
  });
  // Stripe's read call is HTTP; the supply path's verification is specified in test/domain/assisted-flow.test.ts.
  const stripeOffline: ProviderAdapter = { ...recorded(stripe), verify: async () => undefined };
  const registry = createRegistry([recorded(manual), stripeOffline]);
  const tagWrites: number[] = [];
  let deps: RotationDeps;
  const memory = new InMemorySecretStore({
    clock,
    onRotate: async (secretId, token) => {
      try {
        for (const step of ROTATION_STEPS) await runRotationStep(deps, { step, secretId, token });
      } catch {
        // An assisted rotation ends in createSecret by asking an operator; that is its outcome here.
      }
    },
  });
  const store: SecretStore = Object.assign(Object.create(memory) as SecretStore, {
    tag: (secretId: string, tags: Readonly<Record<string, string>>) => {
      tagWrites.push(clock.now().getTime());
      return memory.tag(secretId, tags);
    },
  });
  deps = { store, events, providers: { registry, endpointOverride: () => undefined }, clock };
  const enforcerSettings: EnforcerSettings = { ...DEFAULT_ENFORCER_SETTINGS, ...settings };

  const createSecret = (name: string, tags: Record<string, string>) =>
    memory.createSecret({
      name,
      secretString: placeholderValue(tags['rotor:provider'] ?? 'manual'),
      rotationLambdaArn: ROTATION_FUNCTION_ARN,
      tags: { 'rotor:grace': 'PT24H', 'rotor:max-age': 'P90D', ...tags },
    });
  /** A `manual` secret (PagerDuty-like: no key API). */
  const manualSecret = (name = 'ops/pagerduty', tags: Record<string, string> = {}) =>
    createSecret(name, { 'rotor:provider': 'manual', ...tags });
  /** A Stripe secret without an installed Stripe App: no `rotor:admin-secret`. */
  const stripeSecret = (name = 'billing/stripe', tags: Record<string, string> = {}) =>
    createSecret(name, {
      'rotor:provider': 'stripe',
      'rotor:account': 'acct_1NtQ9b2eZvKYlo2C',
      'rotor:permissions': 'balance_read',
      ...tags,
    });
  let keys = 0;
  /** The operator supplies a new key through `rotor supply`. */
  const supply = async (secretId: string) => {
    keys++;
    return supplyAssistedKey(deps, {
      secretId,
      apiKey: `CANARY-operator-key-${keys}-9d41c7`,
      keyId: `key_${keys}`,
    });
  };
  /** A secret whose first key was supplied and then replaced: the first key sits in AWSPREVIOUS. */
  const supersededSecret = async (arn: string) => {
    await supply(arn);
    await supply(arn);
    return arn;
  };
  const sweep = async () => {
    const outcome = await runSweep(deps, enforcerSettings, { remainingMs: () => 15 * 60_000 });
    await memory.settle();
    return outcome;
  };
  /** Sweeps on the hour, `hours` times. */
  const sweepHourly = async (hours: number) => {
    for (let i = 0; i < hours; i++) {
      clock.advance(HOUR);
      await sweep();
    }
  };
  const versionWith = (arn: string, stage: string) =>
    memory.versionsOf(arn).find((version) => version.stages.includes(stage))?.versionId;
  const violations = () => events.ofType(DetailType.policyViolation).map((event) => event.detail);

  return {
    clock,
    events,
    memory,
    deps,
    providerCalls,
    tagWrites,
    manualSecret,
    stripeSecret,
    supply,
    supersededSecret,
    sweep,
    sweepHourly,
    versionWith,
    violations,
  };
}

describe('enforcer: configuration of assisted secrets', () => {
  it('raises no Policy Violation for a manual secret without rotor:admin-secret', async () => {
    const w = world();
    await w.supply(w.manualSecret());

    const { report } = await w.sweep();

    expect(w.violations()).toEqual([]);
    expect(report).toMatchObject({ policyViolations: 0, failures: 0 });
  });

  it('raises no Policy Violation for a Stripe secret without an admin credential', async () => {
    const w = world();
    await w.supply(w.stripeSecret());

    const { report } = await w.sweep();

    expect(w.violations()).toEqual([]);
    expect(report).toMatchObject({ policyViolations: 0, failures: 0 });
  });

  it('still requires the admin credential a Stripe secret in API mode names', async () => {
    const w = world();
    w.stripeSecret('billing/stripe-app', { 'rotor:admin-secret': 'rotor/admin/missing' });

    await w.sweep();

    expect(w.violations()).toEqual([
      expect.objectContaining({
        rule: 'configuration',
        reason: expect.stringMatching(/rotor\/admin\/missing/),
      }),
    ]);
  });

  it('raises a Policy Violation when rotation is disabled on an assisted secret', async () => {
    const w = world();
    const arn = w.manualSecret();
    w.memory.setRotationEnabled(arn, false);

    await w.sweep();

    expect(w.violations()).toEqual([
      expect.objectContaining({
        rule: 'configuration',
        reason: expect.stringMatching(/rotation is disabled/),
      }),
    ]);
  });

  it('raises a Policy Violation naming a malformed tag on an assisted secret', async () => {
    const w = world();
    w.manualSecret('ops/pagerduty', { 'rotor:remind-every': 'daily' });

    await w.sweep();

    expect(w.violations()).toEqual([
      expect.objectContaining({ rule: 'configuration', reason: expect.stringMatching(/rotor:remind-every/) }),
    ]);
  });

  it('raises a Policy Violation for an unknown provider in assisted mode', async () => {
    const w = world();
    w.manualSecret('ops/postmark', { 'rotor:provider': 'postmarkk', 'rotor:mode': 'assisted' });

    await w.sweep();

    expect(w.violations()).toEqual([
      expect.objectContaining({ rule: 'configuration', reason: expect.stringMatching(/postmarkk/) }),
    ]);
  });
});

describe('enforcer: superseded keys of assisted secrets', () => {
  it('never calls the provider for a manual key past its grace period', async () => {
    const w = world();
    await w.supersededSecret(w.manualSecret());
    w.clock.advance(25 * HOUR);

    const { report } = await w.sweep();

    expect(w.providerCalls).toEqual([]);
    expect(report).toMatchObject({ keysRevoked: 0, failures: 0 });
  });

  it('never calls Stripe for a key past its grace period when no admin credential is named', async () => {
    const w = world();
    await w.supersededSecret(w.stripeSecret());
    w.clock.advance(25 * HOUR);

    const { report } = await w.sweep();

    expect(w.providerCalls).toEqual([]);
    expect(report).toMatchObject({ keysRevoked: 0, failures: 0 });
  });

  it('leaves AWSPREVIOUS on the key and raises no Key Revoked until the operator confirms', async () => {
    const w = world();
    const arn = await w.supersededSecret(w.manualSecret());
    const previous = w.versionWith(arn, Stage.previous);
    w.clock.advance(25 * HOUR);

    await w.sweep();

    expect(previous).toBeDefined();
    expect(w.versionWith(arn, Stage.previous)).toBe(previous);
    expect(w.events.ofType(DetailType.keyRevoked)).toEqual([]);
  });

  it('asks the operator to revoke the superseded key once its grace period is over, naming it', async () => {
    const w = world();
    const arn = await w.supersededSecret(w.manualSecret());
    w.clock.advance(25 * HOUR);

    const { sweepId, report } = await w.sweep();

    expect(w.events.ofType(DetailType.assistedRevocationRequested).map((event) => event.detail)).toEqual([
      expect.objectContaining({
        secretId: arn,
        keyId: 'key_1',
        trigger: 'policy',
        mode: 'assisted',
        correlationId: sweepId,
        confirmCommand: 'rotor confirm-revoked ops/pagerduty',
      }),
    ]);
    expect(report.assistedRevocationsRequested).toBe(1);
  });

  it('stays quiet about the superseded key during its grace period', async () => {
    const w = world();
    await w.supersededSecret(w.manualSecret());
    w.clock.advance(23 * HOUR);

    await w.sweep();

    expect(w.events.ofType(DetailType.assistedRevocationRequested)).toEqual([]);
  });

  it('repeats the revocation request once per rotor:remind-every, not on every hourly sweep', async () => {
    const w = world();
    await w.supersededSecret(w.manualSecret());
    w.clock.advance(24 * HOUR);

    await w.sweepHourly(49);

    // Due at 24 h; reminded at 25 h, 49 h and 73 h after the supply.
    expect(w.events.ofType(DetailType.assistedRevocationRequested)).toHaveLength(3);
  });

  it('stops asking once the operator confirms the revocation', async () => {
    const w = world();
    const arn = await w.supersededSecret(w.manualSecret());
    w.clock.advance(25 * HOUR);
    await w.sweep();
    await confirmAssistedRevocation(w.deps, { secretId: arn });

    await w.sweepHourly(48);

    expect(w.events.ofType(DetailType.assistedRevocationRequested)).toHaveLength(1);
  });
});

describe('enforcer: reminders within the sweep’s limits', () => {
  it('paces the reminders’ tag writes under the write rate limit', async () => {
    const w = world({ writesPerSecond: 1 });
    for (const name of ['ops/one', 'ops/two', 'ops/three']) await w.supersededSecret(w.manualSecret(name));
    w.clock.advance(25 * HOUR);
    w.tagWrites.length = 0;

    await w.sweep();

    // Three writes at one a second span at least two seconds of the (fake) clock.
    expect(w.tagWrites).toHaveLength(3);
    expect(Math.max(...w.tagWrites) - Math.min(...w.tagWrites)).toBeGreaterThanOrEqual(2000);
  });

  it('publishes the reminders in the sweep’s PutEvents batches, not one request each', async () => {
    const w = world();
    for (const name of ['ops/one', 'ops/two', 'ops/three']) await w.supersededSecret(w.manualSecret(name));
    w.clock.advance(25 * HOUR);
    w.events.clear();

    await w.sweep();

    expect(w.events.ofType(DetailType.assistedRevocationRequested)).toHaveLength(3);
    expect(w.events.requests).toBe(1);
  });
});

describe('enforcer: assisted keys past their max age', () => {
  it('asks an operator for a new key, with a Policy Violation saying so, and calls no provider', async () => {
    const w = world();
    const arn = w.manualSecret();
    await w.supply(arn);
    w.clock.advance(91 * DAY);

    const { report } = await w.sweep();

    expect(w.events.ofType(DetailType.assistedRotationRequested).map((event) => event.detail)).toEqual([
      expect.objectContaining({
        secretId: arn,
        versionId: expect.stringMatching(/^policy-now-/),
        supplyCommand: 'rotor supply ops/pagerduty (reads the new key from stdin)',
      }),
    ]);
    expect(w.violations()).toEqual([
      expect.objectContaining({
        rule: 'max-age',
        action: 'operator asked for a new key (Assisted Rotation Requested)',
      }),
    ]);
    expect(report.rotationsStarted).toBe(1);
    expect(w.providerCalls).toEqual([]);
  });

  it('leaves no rotation pending after asking, so a supply is not refused', async () => {
    const w = world();
    const arn = w.manualSecret();
    await w.supply(arn);
    w.clock.advance(91 * DAY);

    await w.sweep();

    expect(w.versionWith(arn, Stage.pending)).toBeUndefined();
  });

  it('asks again no more often than the reminder interval, however often the sweep runs', async () => {
    const w = world();
    const arn = w.manualSecret();
    await w.supply(arn);
    w.clock.advance(91 * DAY);
    await w.sweep();
    w.memory.resetCalls();

    await w.sweepHourly(48);

    // One request at the first sweep, then a reminder at 24 h and at 48 h.
    expect(w.events.ofType(DetailType.assistedRotationRequested)).toHaveLength(3);
    expect(w.memory.callCount('RotateSecret')).toBe(0);
  });

  it('raises the max-age violation once per reminder interval while the request is open', async () => {
    const w = world();
    const arn = w.manualSecret();
    await w.supply(arn);
    w.clock.advance(91 * DAY);

    await w.sweep();
    await w.sweepHourly(48);

    expect(w.violations().filter((detail) => detail.rule === 'max-age')).toHaveLength(3);
  });

  it('dates a supplied key by its supply, so a fresh key is not overdue', async () => {
    const w = world();
    const arn = w.manualSecret();
    await w.supply(arn);
    w.clock.advance(91 * DAY);
    await w.supply(arn);

    const { report } = await w.sweep();

    expect(report.keysOverdue).toBe(0);
    expect(w.events.ofType(DetailType.assistedRotationRequested)).toEqual([]);
  });
});

describe('enforcer: orphan scan and assisted secrets', () => {
  it('lists no provider keys for assisted secrets', async () => {
    const w = world({ orphanScan: true });
    await w.supply(w.manualSecret());
    await w.supply(w.stripeSecret());
    w.clock.advance(2 * DAY);

    const { report } = await w.sweep();

    expect(w.providerCalls).toEqual([]);
    expect(report).toMatchObject({ orphansRevoked: 0, failures: 0 });
  });
});
