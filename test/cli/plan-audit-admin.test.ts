import { describe, expect, it } from 'vitest';
import { parseSince } from '../../lambdas/cli/program';
import { DetailType } from '../../lambdas/domain/audit-events';
import { Durations } from '../../lambdas/domain/duration';
import { Stage } from '../../lambdas/domain/managed-secret';
import { cliHarness, fakeTerminal } from './cli-harness';

const { DAY } = Durations;

describe('rotor plan', () => {
  async function planned(hours: string) {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/soon', {}, 2 * DAY);
    await harness.createKeyedSecret('app/later', {}, 30 * DAY);
    await harness.createKeyedSecret(
      'app/capped',
      { 'rotor:max-age': 'P3D', 'rotor:grace': 'PT1H' },
      30 * DAY,
    );
    harness.clock.advance(DAY);
    await harness.run(['rotate', 'app/later']);
    const { exitCode, stdout } = await harness.run(['plan', '--hours', hours, '--output', 'json']);
    expect(exitCode).toBe(0);
    return JSON.parse(stdout) as { name: string; action: string; by: string; at: string }[];
  }

  it('lists the scheduled rotations, the enforcer’s revocations and forced rotations within the window, soonest first', async () => {
    const entries = await planned('72');
    expect(entries.map((entry) => [entry.name, entry.action, entry.by])).toEqual([
      ['app/soon', 'rotate', 'schedule'],
      ['app/later', 'revoke-previous', 'enforcer'],
      ['app/capped', 'force-rotate', 'enforcer'],
    ]);
  });

  it('leaves out what falls after the window', async () => {
    const entries = await planned('12');
    expect(entries).toEqual([]);
  });

  it('prints a table with the time of each action', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/soon', {}, 2 * DAY);
    const { stdout } = await harness.run(['plan', '--hours', '48']);
    expect(stdout).toMatch(
      /^WHEN\s+SECRET\s+PROVIDER\s+ACTION\s+BY\s+REASON\n2026-12-06 19:00Z\s+app\/soon\s+fake\s+rotate\s+schedule/,
    );
  });

  it('refuses a window that is not a positive number (exit 2)', async () => {
    const { exitCode } = await cliHarness().run(['plan', '--hours', 'soon']);
    expect(exitCode).toBe(2);
  });
});

describe('rotor audit', () => {
  it('prints the audit trail of one secret, oldest first', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/a');
    await harness.createKeyedSecret('app/b');
    const { exitCode, stdout } = await harness.run(['audit', 'app/a', '--output', 'json']);
    expect(exitCode).toBe(0);
    const records = JSON.parse(stdout) as { detailType: string; detail: { secretName: string } }[];
    expect(records.map((record) => record.detailType)).toEqual([
      DetailType.rotationStarted,
      DetailType.keyCreated,
      DetailType.keyVerified,
      DetailType.rotationSucceeded,
    ]);
    expect(new Set(records.map((record) => record.detail.secretName))).toEqual(new Set(['app/a']));
  });

  it('starts at --since', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/a');
    harness.clock.advance(3 * DAY);
    expect(JSON.parse((await harness.run(['audit', '--since', '2d', '--output', 'json'])).stdout)).toEqual(
      [],
    );
    expect(
      JSON.parse((await harness.run(['audit', '--since', 'P4D', '--output', 'json'])).stdout),
    ).toHaveLength(4);
  });

  it('prints a table with the event, secret, trigger, key and fingerprint', async () => {
    const harness = cliHarness();
    await harness.createKeyedSecret('app/a');
    const { stdout } = await harness.run(['audit']);
    expect(stdout.split('\n')[0]).toMatch(/^TIME\s+EVENT\s+SECRET\s+TRIGGER\s+KEY\s+FINGERPRINT\s+DETAIL$/);
    expect(stdout).toMatch(/Key Created\s+app\/a\s+bootstrap\s+key-1\s+sha256:[0-9a-f]{16}/);
  });

  it('refuses a --since it cannot read (exit 2)', async () => {
    const { exitCode, stderr } = await cliHarness().run(['audit', '--since', 'yesterday']);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('--since "yesterday" is neither a duration nor an ISO-8601 time');
  });

  it('reads --since as shorthand, ISO-8601 duration or ISO-8601 time', () => {
    const now = new Date('2026-12-04T19:00:00Z');
    expect(parseSince('90m', now)?.toISOString()).toBe('2026-12-04T17:30:00.000Z');
    expect(parseSince('PT1H', now)?.toISOString()).toBe('2026-12-04T18:00:00.000Z');
    expect(parseSince('2026-12-01T00:00:00Z', now)?.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(parseSince('12', now)).toBeUndefined();
  });
});

describe('rotor admin set', () => {
  const CREDENTIAL = 'SG.admin-canary-7f3a9c';

  function currentValue(harness: ReturnType<typeof cliHarness>) {
    return harness.store
      .versionsOf('rotor/admin/fake')
      .find((version) => version.stages.includes(Stage.current))?.secretString;
  }

  it('stores the credential piped on stdin as AWSCURRENT, without its trailing newline', async () => {
    const harness = cliHarness();
    const { exitCode } = await harness.run(['admin', 'set', 'rotor/admin/fake'], {
      stdin: `${CREDENTIAL}\n`,
    });
    expect(exitCode).toBe(0);
    expect(currentValue(harness)).toBe(CREDENTIAL);
  });

  it('never writes the credential to stdout or stderr', async () => {
    const harness = cliHarness();
    const { stdout, stderr } = await harness.run(['admin', 'set', 'rotor/admin/fake'], { stdin: CREDENTIAL });
    expect(stdout).toMatch(/^Stored a new version of rotor\/admin\/fake \(/);
    expect(stdout + stderr).not.toContain(CREDENTIAL);
  });

  it('takes no credential as an argument', async () => {
    const { exitCode, stderr } = await cliHarness().run(['admin', 'set', 'rotor/admin/fake', CREDENTIAL]);
    expect(exitCode).toBe(2);
    expect(stderr).toContain('too many arguments');
  });

  it('refuses empty input and changes nothing (exit 1)', async () => {
    const harness = cliHarness();
    const { exitCode, stderr } = await harness.run(['admin', 'set', 'rotor/admin/fake'], { stdin: '\n' });
    expect(exitCode).toBe(1);
    expect(stderr).toContain('CredentialInputError: No credential on standard input');
    expect(currentValue(harness)).toBe('admin-credential');
  });

  it('names the secret when it does not exist (exit 1)', async () => {
    const { exitCode, stderr } = await cliHarness().run(['admin', 'set', 'rotor/admin/missing'], {
      stdin: CREDENTIAL,
    });
    expect(exitCode).toBe(1);
    expect(stderr).toContain('rotor/admin/missing');
    expect(stderr).not.toContain(CREDENTIAL);
  });

  it('reads from a terminal with echo off: raw mode on while typing, prompt on stderr, nothing echoed', async () => {
    const harness = cliHarness();
    const terminal = fakeTerminal();
    const running = harness.run(['admin', 'set', 'rotor/admin/fake'], { stdin: terminal });
    await new Promise((resolve) => setImmediate(resolve));
    terminal.write(`${CREDENTIAL}x\u007f\r`);
    const { exitCode, stdout, stderr } = await running;
    expect(exitCode).toBe(0);
    expect(terminal.rawModes).toEqual([true, false]);
    expect(stderr).toBe('Admin credential for rotor/admin/fake (input hidden): \n');
    expect(stdout + stderr).not.toContain(CREDENTIAL);
    expect(currentValue(harness)).toBe(CREDENTIAL);
  });

  it('cancels on Ctrl-C from a terminal and stores nothing', async () => {
    const harness = cliHarness();
    const terminal = fakeTerminal();
    const running = harness.run(['admin', 'set', 'rotor/admin/fake'], { stdin: terminal });
    await new Promise((resolve) => setImmediate(resolve));
    terminal.write('SG.partial\u0003');
    const { exitCode } = await running;
    expect(exitCode).toBe(1);
    expect(currentValue(harness)).toBe('admin-credential');
  });
});
