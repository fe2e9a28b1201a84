import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalNames } from '../../local/functions';
import { type Checkpoint, runScenario, type ScenarioResult, type StageName } from '../../local/scenario';
import { captureOutput } from '../support/output-capture';

/**
 * Issue 8's scenario as CI runs it: the real handler modules against the
 * local emulator and the SendGrid fake. Each `it` checks one promise of the
 * timeline; the run itself happens once.
 */
describe('local mode scenario', () => {
  let result: ScenarioResult;
  let narration = '';
  let processOutput = '';
  let functionLogs = '';
  let auditLog = '';

  beforeAll(async () => {
    const capture = captureOutput();
    try {
      result = await runScenario({
        configFile: 'config/rotor.example.json',
        write: (text) => {
          narration += text;
        },
        // Everything the functions can log, so the canary check sees the most.
        logLevel: 'DEBUG',
        metrics: true,
        keepRunning: true,
      });
    } finally {
      capture.restore();
      processOutput = capture.text();
    }
    const { logs } = result.rotor.aws;
    functionLogs = [LocalNames.rotationFunction, LocalNames.enforcerFunction, LocalNames.leakFunction]
      .flatMap((name) => {
        try {
          return logs.eventsOf(`/aws/lambda/${name}`).map((event) => event.message);
        } catch {
          return [];
        }
      })
      .join('\n');
    auditLog = logs
      .eventsOf(LocalNames.auditLogGroup)
      .map((event) => event.message)
      .join('\n');
  }, 120_000);

  afterAll(async () => {
    await result?.rotor.close();
  });

  const at = (stage: StageName): Checkpoint => {
    const checkpoint = result.checkpoints.find((candidate) => candidate.stage === stage);
    if (!checkpoint) throw new Error(`no checkpoint ${stage}`);
    return checkpoint;
  };
  const keyOf = (stage: StageName, secretName: string) => {
    const key = at(stage).keys.find((candidate) => candidate.secretName === secretName);
    if (!key) throw new Error(`no ${secretName} at ${stage}`);
    return key;
  };
  const events = (stage: StageName) => result.timeline.filter((entry) => entry.stage === stage);

  it('deploys three managed keys, the example config’s two among them', () => {
    expect(result.keys).toHaveLength(3);
    expect(result.keys.map((key) => key.secretName)).toEqual(
      expect.arrayContaining(['prod/newsletter/sendgrid', 'prod/receipts/sendgrid']),
    );
  });

  it('bootstraps every managed key to exactly one live key, its AWSCURRENT', () => {
    for (const key of at('bootstrap').keys) {
      expect(key.currentKeyId).toBeDefined();
      expect(key.previousKeyId).toBeUndefined();
      expect(key.liveKeyIds).toEqual([key.currentKeyId]);
    }
    expect(events('bootstrap').filter((entry) => entry.detailType === 'Rotation Succeeded')).toHaveLength(3);
    expect(events('bootstrap').every((entry) => entry.trigger === 'bootstrap')).toBe(true);
  });

  it('lets the rotation schedule rotate the key due first, keeping its previous key live', () => {
    expect(result.scheduled).toEqual(['prod/receipts/sendgrid']);
    const receipts = keyOf('schedule', 'prod/receipts/sendgrid');
    expect(receipts.previousKeyId).toBe(keyOf('bootstrap', 'prod/receipts/sendgrid').currentKeyId);
    expect([...receipts.liveKeyIds].sort()).toEqual([receipts.currentKeyId, receipts.previousKeyId].sort());
    expect(events('schedule').map((entry) => `${entry.detailType}/${entry.trigger}`)).toEqual([
      'Rotation Started/schedule',
      'Key Created/schedule',
      'Key Verified/schedule',
      'Rotation Succeeded/schedule',
    ]);
  });

  it('rotates a key now through the rotor CLI, as a manual rotation with a grace period', () => {
    const rotated = keyOf('rotate-now', result.rotatedNow);
    expect(rotated.previousKeyId).toBe(keyOf('schedule', result.rotatedNow).currentKeyId);
    expect(rotated.liveKeyIds).toHaveLength(2);
    expect(events('rotate-now').map((entry) => entry.trigger)).toEqual([
      'manual',
      'manual',
      'manual',
      'manual',
    ]);
    expect(narration).toMatch(/1 succeeded, 0 failed/);
  });

  it('revokes every previous key once the grace period has passed, and drops AWSPREVIOUS', () => {
    for (const key of at('grace').keys) {
      expect(key.previousKeyId).toBeUndefined();
      expect(key.liveKeyIds).toEqual([key.currentKeyId]);
    }
    const revoked = events('grace').filter((entry) => entry.detailType === 'Key Revoked');
    expect(revoked.map((entry) => entry.keyId).sort()).toEqual(
      [
        keyOf('rotate-now', 'prod/receipts/sendgrid').previousKeyId,
        keyOf('rotate-now', result.rotatedNow).previousKeyId,
      ].sort(),
    );
    expect(
      revoked.every((entry) => entry.trigger === 'policy' && /grace period/.test(entry.note ?? '')),
    ).toBe(true);
  });

  it('answers a leak report by rotating the key and revoking the leaked one at once', () => {
    expect(result.leak.status).toBe(202);
    expect(result.leak.response).toEqual({ actions: ['rotated'] });
    const after = keyOf('leak', result.leak.secretName);
    expect(after.currentKeyId).not.toBe(result.leak.keyId);
    expect(after.liveKeyIds).toEqual([after.currentKeyId]);
    expect(after.previousKeyId).toBeUndefined();
  });

  it('publishes Leak Reported and the leak rotation’s events, with the leaked key revoked as leaked', () => {
    const leak = events('leak');
    expect(leak).toContainEqual(
      expect.objectContaining({
        detailType: 'Leak Reported',
        fingerprint: result.leak.fingerprint,
        note: 'outcome rotated',
      }),
    );
    expect(leak).toContainEqual(
      expect.objectContaining({
        detailType: 'Key Revoked',
        keyId: result.leak.keyId,
        trigger: 'leak',
        note: 'leaked',
      }),
    );
    expect(leak.filter((entry) => entry.detailType === 'Rotation Succeeded')).toHaveLength(1);
  });

  it('leaves the other keys untouched by the leak', () => {
    for (const key of at('leak').keys.filter(
      (candidate) => candidate.secretName !== result.leak.secretName,
    )) {
      expect(key).toEqual(keyOf('grace', key.secretName));
    }
  });

  it('writes every audit event to the audit log group, as the bus rule does', () => {
    const logged = auditLog.split('\n').map((line) => JSON.parse(line) as { 'detail-type': string });
    expect(logged).toHaveLength(result.timeline.length);
    expect(logged.map((event) => event['detail-type'])).toEqual(
      expect.arrayContaining(['Key Created', 'Key Revoked', 'Leak Reported']),
    );
  });

  it('ends with the rotor status table, every key ok', () => {
    const rows = result.statusTable.trim().split('\n').slice(1);
    expect(rows).toHaveLength(3);
    for (const key of result.keys) {
      expect(rows.find((row) => row.startsWith(key.secretName))).toMatch(/\bok\b/);
    }
  });

  it('prints no key material, and neither do the functions’ logs or the audit events', () => {
    expect(result.keyMaterial.length).toBeGreaterThan(5);
    expect(functionLogs).not.toBe('');
    for (const secret of result.keyMaterial) {
      expect(narration).not.toContain(secret);
      expect(processOutput).not.toContain(secret);
      expect(functionLogs).not.toContain(secret);
      expect(auditLog).not.toContain(secret);
    }
  });
});
