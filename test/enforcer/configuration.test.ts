import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { Stage } from '../../lambdas/domain/managed-secret';
import { enforcerHarness } from '../support/enforcer-harness';

describe('enforcer rule: invalid managed secrets', () => {
  async function violationFor(setup: (h: ReturnType<typeof enforcerHarness>) => Promise<string>) {
    const h = enforcerHarness();
    const arn = await setup(h);
    await h.sweep();
    return h.sweepEvents(DetailType.policyViolation).filter((event) => event.detail.secretId === arn);
  }

  it('names an unknown provider', async () => {
    const events = await violationFor(async (h) =>
      h.createManagedSecret('app/key', { 'rotor:provider': 'nope' }),
    );
    expect(events[0]?.detail.reason).toBe('Unknown provider "nope"');
  });

  it('names a malformed tag', async () => {
    const events = await violationFor(async (h) =>
      h.createManagedSecret('app/key', { 'rotor:grace': '24 hours' }),
    );
    expect(events[0]?.detail.reason).toMatch(/rotor:grace is not an ISO-8601 duration/);
  });

  it('names a missing admin credential', async () => {
    const events = await violationFor(async (h) =>
      h.createManagedSecret('app/key', { 'rotor:admin-secret': 'rotor/admin/missing' }),
    );
    expect(events[0]?.detail.reason).toBe('Admin credential rotor/admin/missing for app/key does not exist');
  });

  it('names rotation being disabled', async () => {
    const events = await violationFor(async (h) => {
      const arn = await h.rotatedSecret('app/key');
      h.store.setRotationEnabled(arn, false);
      return arn;
    });
    expect(events[0]?.detail.reason).toBe('Managed secret app/key: rotation is disabled');
  });

  it('still enforces the other secrets of the sweep', async () => {
    const h = enforcerHarness();
    h.createManagedSecret('app/broken', { 'rotor:provider': 'nope' });
    const good = await h.rotatedSecret('app/good', {}, 1);
    h.clock.advance(2 * Durations.DAY);

    const { report } = await h.sweep();

    expect(report.policyViolations).toBe(1);
    expect(h.versionWith(good, Stage.previous)).toBeUndefined();
  });

  it('reads each admin credential once per sweep, however many secrets share it', async () => {
    const h = enforcerHarness({ settings: { orphanScan: false } });
    for (const name of ['app/one', 'app/two', 'app/three']) await h.rotatedSecret(name);
    h.store.resetCalls();

    await h.sweep();

    expect(h.store.callCount('GetSecretValue')).toBe(1);
  });
});

describe('enforcer audit events', () => {
  it('never carry key material', async () => {
    const h = enforcerHarness({ settings: { orphanDelayMs: Durations.HOUR } });
    const arn = await h.rotatedSecret('app/key', { 'rotor:max-age': 'P3D', 'rotor:unused-after': 'P1D' }, 1);
    await h.store.rotate(arn);
    h.clock.advance(4 * Durations.DAY);

    await h.sweep();

    expect(h.sweepEvents().length).toBeGreaterThan(2);
    expect(JSON.stringify(h.events.events)).not.toMatch(/CANARY-/);
  });
});
