import { describe, expect, it } from 'vitest';
import { Durations } from '../../lambdas/domain/duration';
import { cliHarness } from './cli-harness';

const DAY = Durations.DAY;

/** Five keys, one per policy state, ten days after they were minted. */
async function fleet() {
  const harness = cliHarness();
  await harness.createKeyedSecret('app/ok', {}, 30 * DAY);
  await harness.createKeyedSecret('app/unused', { 'rotor:unused-after': 'P7D' }, 30 * DAY);
  await harness.createKeyedSecret('app/overdue', {}, 5 * DAY);
  await harness.createKeyedSecret('app/due', {}, 10.5 * DAY);
  harness.createManagedSecret('app/violation', { 'rotor:grace': 'soon' });
  harness.clock.advance(10 * DAY);
  return harness;
}

describe('rotor status', () => {
  it('lists every managed key worst first: violation, overdue, unused, due, ok', async () => {
    const { run } = await fleet();
    const { exitCode, stdout } = await run(['status', '--output', 'json']);
    expect(exitCode).toBe(0);
    const rows = JSON.parse(stdout) as { name: string; state: string }[];
    expect(rows.map((row) => [row.name, row.state])).toEqual([
      ['app/violation', 'violation'],
      ['app/overdue', 'overdue'],
      ['app/unused', 'unused'],
      ['app/due', 'due'],
      ['app/ok', 'ok'],
    ]);
  });

  it('leaves the admin credential out: only secrets tagged rotor:provider are managed keys', async () => {
    const { run } = await fleet();
    const { stdout } = await run(['status', '--output', 'json']);
    expect(stdout).not.toContain('rotor/admin/fake');
  });

  it('shows age, rotation dates and last access in JSON as ISO-8601 times', async () => {
    const { run } = await fleet();
    const { stdout } = await run(['status', '--output', 'json', '--state', 'ok']);
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({
        name: 'app/ok',
        provider: 'fake',
        ageMs: 10 * DAY,
        lastRotated: '2026-12-04T19:00:00.000Z',
        nextRotation: '2027-01-03T19:00:00.000Z',
        lastAccessed: '2026-12-04T00:00:00.000Z',
      }),
    ]);
  });

  it('reports when the previous key stops being live: last rotation plus grace', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/rotated', {}, 30 * DAY);
    harness.clock.advance(DAY);
    await harness.run(['rotate', 'app/rotated']);
    const [row] = JSON.parse((await harness.run(['status', '--output', 'json'])).stdout);
    expect(Date.parse(row.previousLiveUntil) - Date.parse(row.lastRotated)).toBe(Durations.HOUR * 24);
  });

  it('prints a table with a header row and one row per key', async () => {
    const { run } = await fleet();
    const { stdout } = await run(['status']);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^SECRET\s+PROVIDER\s+STATE\s+AGE\s+LAST ROTATED\s+NEXT ROTATION\s+PREVIOUS LIVE UNTIL/,
    );
    expect(lines).toHaveLength(6);
    expect(lines[1]).toMatch(/^app\/violation\s+fake\s+violation\s+-/);
    expect(lines[5]).toMatch(/^app\/ok\s+fake\s+ok\s+10d 0h\s+2026-12-04 19:00Z\s+2027-01-03 19:00Z/);
  });

  it('filters by provider and by state', async () => {
    const { run } = await fleet();
    expect(JSON.parse((await run(['status', '--output', 'json', '--provider', 'other'])).stdout)).toEqual([]);
    const overdue = JSON.parse((await run(['status', '--output', 'json', '--state', 'overdue'])).stdout);
    expect(overdue.map((row: { name: string }) => row.name)).toEqual(['app/overdue']);
  });

  it('flags a key whose rotation is disabled as a violation', async () => {
    const harness = cliHarness();
    const arn = await harness.createKeyedSecret('app/manual', {}, 30 * DAY);
    harness.store.setRotationEnabled(arn, false);
    const [row] = JSON.parse((await harness.run(['status', '--output', 'json'])).stdout);
    expect(row).toMatchObject({ state: 'violation', reason: 'rotation is disabled' });
  });

  it('flags a key older than its max age as a violation', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/ancient', { 'rotor:max-age': 'P30D' });
    harness.clock.advance(31 * DAY);
    const [row] = JSON.parse((await harness.run(['status', '--output', 'json'])).stdout);
    expect(row).toMatchObject({ state: 'violation', reason: 'key older than its max age' });
  });

  it('refuses an unknown state with a usage error (exit 2)', async () => {
    const { run } = await fleet();
    const { exitCode, stderr } = await run(['status', '--state', 'fine']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('Allowed choices are violation, overdue, unused, due, ok');
  });

  it('exits 1 and names the cause when Secrets Manager cannot be read', async () => {
    const harness = cliHarness({
      fault: (operation) =>
        operation === 'ListSecrets' ? new Error('AccessDeniedException: not allowed') : undefined,
    });
    const { exitCode, stderr } = await harness.run(['status']);
    expect(exitCode).toBe(1);
    expect(stderr).toBe('rotor: Error: AccessDeniedException: not allowed\n');
  });

  it('passes --profile, --region and --endpoint-url through to the AWS connection', async () => {
    const harness = cliHarness();
    await harness.run([
      '--profile',
      'ops',
      '--region',
      'eu-west-1',
      '--endpoint-url',
      'http://127.0.0.1:4566',
      'status',
    ]);
    expect(harness.connections[0]).toMatchObject({
      profile: 'ops',
      region: 'eu-west-1',
      endpointUrl: 'http://127.0.0.1:4566',
      output: 'table',
      auditLogGroup: '/aws/events/Rotor/rotor-audit',
    });
  });
});
