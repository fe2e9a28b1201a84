import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../lambdas/domain/duration';
import { MalformedSecretValueError, ManagedSecretConfigError } from '../../lambdas/domain/errors';
import { parsePolicy, providerKeyName, providerKeyPrefix } from '../../lambdas/domain/managed-secret';
import { intentOf, rotationToken } from '../../lambdas/domain/rotation-token';
import { fingerprintOf, parseSecretValue, placeholderValue } from '../../lambdas/domain/secret-value';

const HOUR = 3600_000;
const UUID = '1b4e28ba-2fa1-11d2-883f-0016d3cca427';

describe('ISO-8601 durations', () => {
  it.each([
    ['PT24H', 24 * HOUR],
    ['P45D', 45 * 24 * HOUR],
    ['P1W', 7 * 24 * HOUR],
    ['P1DT12H', 36 * HOUR],
    ['PT90M', 1.5 * HOUR],
  ])('reads %s', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['P1M', 'P1Y', '24h', 'P', 'PT', 'PT0S', '', 'P-1D'])(
    'refuses %s (calendar units, empty or not a duration)',
    (text) => expect(parseDuration(text)).toBeUndefined(),
  );

  it('formats milliseconds back into a duration', () => {
    expect(formatDuration(36 * HOUR)).toBe('P1DT12H');
    expect(formatDuration(0)).toBe('PT0S');
  });
});

describe('managed secret policy from tags', () => {
  const tags = { 'rotor:provider': 'SendGrid', 'rotor:admin-secret': 'rotor/admin/sendgrid' };

  it('applies defaults and lower-cases the provider', () => {
    expect(parsePolicy('app/key', tags)).toMatchObject({
      provider: 'sendgrid',
      adminSecretId: 'rotor/admin/sendgrid',
      graceMs: 24 * HOUR,
      maxAgeMs: 90 * 24 * HOUR,
      unusedAfterMs: undefined,
      unusedAction: 'notify',
    });
  });

  it('passes every other rotor: tag to the adapter as a setting without the prefix', () => {
    const policy = parsePolicy('app/key', {
      ...tags,
      'rotor:scopes': 'mail.send',
      'rotor:region': 'eu',
      team: 'payments',
    });
    expect(policy.settings).toEqual({ scopes: 'mail.send', region: 'eu' });
  });

  it.each([
    [{ 'rotor:admin-secret': 'x' }, 'rotor:provider is missing'],
    [{ 'rotor:provider': 'sendgrid' }, 'rotor:admin-secret is missing'],
    [{ ...tags, 'rotor:max-age': '90 days' }, 'rotor:max-age is not an ISO-8601 duration'],
    [{ ...tags, 'rotor:grace': 'P100D' }, 'rotor:grace must be shorter than rotor:max-age'],
    [{ ...tags, 'rotor:unused-action': 'delete' }, 'rotor:unused-action must be "notify" or "revoke"'],
  ])('names the tag that is wrong: %j', (badTags, message) => {
    expect(() => parsePolicy('app/key', badTags as Record<string, string>)).toThrow(ManagedSecretConfigError);
    expect(() => parsePolicy('app/key', badTags as Record<string, string>)).toThrow(
      `Managed secret app/key: ${message}`,
    );
  });
});

describe('provider key names', () => {
  it('derive from the secret name and the rotation token, so a retry can find its key', () => {
    const name = providerKeyName('payments/sendgrid', UUID);
    expect(name).toBe('rotor-payments-sendgrid-0016d3cca427');
    expect(name.startsWith(providerKeyPrefix('payments/sendgrid'))).toBe(true);
    expect(providerKeyName('payments/sendgrid', UUID)).toBe(name);
  });
});

describe('rotation tokens', () => {
  it('carry the trigger and the revoke-now flag, and are valid version ids', () => {
    const token = rotationToken({ trigger: 'manual', revokeOutgoingNow: true }, UUID);
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect(token.length).toBeLessThanOrEqual(64);
    expect(intentOf(token)).toEqual({ trigger: 'manual', revokeOutgoingNow: true });
  });

  it('reads a bare UUID (a Secrets Manager schedule or a plain AWS CLI call) as schedule', () => {
    expect(intentOf(UUID)).toEqual({ trigger: 'schedule', revokeOutgoingNow: false });
  });

  it('always revokes at once after a leak', () => {
    expect(
      intentOf(rotationToken({ trigger: 'leak', revokeOutgoingNow: false }, UUID)).revokeOutgoingNow,
    ).toBe(true);
  });
});

describe('secret values', () => {
  const value = {
    apiKey: 'SG.abc.def',
    keyId: 'abc',
    provider: 'sendgrid',
    createdAt: '2026-12-04T19:00:00Z',
    expiresAt: '2027-01-05T19:00:00Z',
    fingerprint: fingerprintOf('SG.abc.def'),
  };

  it('fingerprints a key as sha256: and 16 hex digits', () => {
    expect(fingerprintOf('SG.abc.def')).toMatch(/^sha256:[0-9a-f]{16}$/);
  });

  it('reads the documented JSON and the bootstrap placeholder', () => {
    expect(parseSecretValue('k', JSON.stringify(value))).toEqual(value);
    expect(parseSecretValue('k', placeholderValue('sendgrid'))).toEqual({ kind: 'placeholder' });
  });

  it.each([
    ['not json', 'is not JSON'],
    ['[1,2]', 'is not a JSON object'],
    [JSON.stringify({ ...value, apiKey: undefined }), 'lacks the string field "apiKey"'],
    [JSON.stringify({ ...value, extra: 42 }), 'field "extra" is not a string'],
    [JSON.stringify({ ...value, padding: 'x'.repeat(20_000) }), 'exceeds 16384 bytes'],
  ])('refuses a malformed value without quoting it (%#)', (text, message) => {
    expect(() => parseSecretValue('k', text)).toThrow(MalformedSecretValueError);
    expect(() => parseSecretValue('k', text)).toThrow(message);
    try {
      parseSecretValue('k', text);
    } catch (error) {
      expect((error as Error).message).not.toContain('SG.abc.def');
    }
  });
});
