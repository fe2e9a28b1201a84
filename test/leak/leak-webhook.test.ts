import { describe, expect, it } from 'vitest';
import { DetailType } from '../../lambdas/domain/audit-events';
import { handleLeakWebhook, MAX_WEBHOOK_BYTES, signatureOf } from '../../lambdas/domain/leak-webhook';
import { Stage } from '../../lambdas/domain/managed-secret';
import { leakHarness, SIGNING_SECRET } from './leak-harness';

function githubRequest(
  payload: unknown,
  options: { delivery?: string; event?: string; secret?: string; signature?: string | null } = {},
) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = {
    'x-github-event': options.event ?? 'secret_scanning_alert',
    'x-github-delivery': options.delivery ?? '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  };
  if (options.signature !== null) {
    headers['x-hub-signature-256'] = options.signature ?? signatureOf(options.secret ?? SIGNING_SECRET, body);
  }
  return { headers, body };
}

function alert(secret: string | undefined, action = 'created') {
  return {
    action,
    alert: {
      number: 42,
      secret_type: 'sendgrid_api_key',
      html_url: 'https://github.com/acme/app/security/secret-scanning/42',
      created_at: '2026-12-04T18:59:00Z',
      ...(secret === undefined ? {} : { secret }),
    },
    repository: { full_name: 'acme/app' },
  };
}

function genericRequest(
  payload: unknown,
  options: { timestamp?: number; secret?: string; signature?: string } = {},
  nowSeconds = Date.parse('2026-12-04T19:00:00Z') / 1000,
) {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const timestamp = String(options.timestamp ?? nowSeconds);
  return {
    headers: {
      'X-Rotor-Timestamp': timestamp,
      'X-Rotor-Signature':
        options.signature ?? signatureOf(options.secret ?? SIGNING_SECRET, `${timestamp}.${body}`),
    },
    body,
  };
}

async function withKey() {
  const harness = leakHarness();
  const arn = await harness.keyedSecret('app/key');
  const leaked = harness.keyAt(arn, Stage.current);
  harness.events.clear();
  harness.store.resetCalls();
  return { ...harness, arn, leaked };
}

/** Nothing changed: no rotation, no label move, no revocation, no event. */
function expectNoChange(harness: Awaited<ReturnType<typeof withKey>>) {
  expect(harness.store.callCount('RotateSecret')).toBe(0);
  expect(harness.store.callCount('UpdateSecretVersionStage')).toBe(0);
  expect(harness.provider.count('revoke')).toBe(0);
  expect(harness.events.events).toEqual([]);
}

describe('the leak webhook, GitHub secret-scanning alerts', () => {
  it('rotates the leaked key on a signed alert carrying it (202)', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(harness.deps, githubRequest(alert(harness.leaked.apiKey)));
    await harness.store.settle();
    expect(response).toEqual({ statusCode: 202, body: JSON.stringify({ actions: ['rotated'] }) });
    expect(harness.provider.isLive(harness.leaked.keyId)).toBe(false);
    expect(harness.events.ofType(DetailType.leakReported)[0]?.detail).toMatchObject({
      source: 'github',
      reference: 'https://github.com/acme/app/security/secret-scanning/42',
    });
  });

  it('never echoes the key in its response', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(harness.deps, githubRequest(alert(harness.leaked.apiKey)));
    expect(response.body).not.toContain(harness.leaked.apiKey);
  });

  it('refuses a forged signature with 401 and changes nothing', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(
      harness.deps,
      githubRequest(alert(harness.leaked.apiKey), { secret: 'not-the-secret' }),
    );
    expect(response.statusCode).toBe(401);
    expectNoChange(harness);
  });

  it('refuses a body changed after signing with 401', async () => {
    const harness = await withKey();
    const signed = githubRequest(alert('something-else'));
    const tampered = { ...signed, body: JSON.stringify(alert(harness.leaked.apiKey)) };
    expect((await handleLeakWebhook(harness.deps, tampered)).statusCode).toBe(401);
    expectNoChange(harness);
  });

  it('refuses an unsigned GitHub delivery with 401', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(
      harness.deps,
      githubRequest(alert(harness.leaked.apiKey), { signature: null }),
    );
    expect(response).toEqual({
      statusCode: 401,
      body: JSON.stringify({ error: 'X-Hub-Signature-256 is missing' }),
    });
    expectNoChange(harness);
  });

  it('refuses a malformed signature header with 401', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(
      harness.deps,
      githubRequest(alert(harness.leaked.apiKey), { signature: 'sha256=abc' }),
    );
    expect(response.statusCode).toBe(401);
  });

  it('refuses a replayed delivery with 401 and acts only once', async () => {
    const harness = await withKey();
    const request = githubRequest(alert(harness.leaked.apiKey));
    expect((await handleLeakWebhook(harness.deps, request)).statusCode).toBe(202);
    await harness.store.settle();
    const replay = await handleLeakWebhook(harness.deps, request);
    expect(replay).toEqual({ statusCode: 401, body: JSON.stringify({ error: 'Delivery already received' }) });
    expect(harness.store.callCount('RotateSecret')).toBe(1);
  });

  it('refuses a body larger than the limit with 400 before reading the signing secret', async () => {
    const harness = await withKey();
    let secretReads = 0;
    const deps = {
      ...harness.deps,
      signingSecret: async () => {
        secretReads++;
        return SIGNING_SECRET;
      },
    };
    const big = githubRequest({ ...alert(harness.leaked.apiKey), padding: 'x'.repeat(MAX_WEBHOOK_BYTES) });
    const response = await handleLeakWebhook(deps, big);
    expect(response.statusCode).toBe(400);
    expect(secretReads).toBe(0);
    expectNoChange(harness);
  });

  it('refuses a signed body that is not JSON with 400', async () => {
    const harness = await withKey();
    expect((await handleLeakWebhook(harness.deps, githubRequest('{not json'))).statusCode).toBe(400);
    expectNoChange(harness);
  });

  it('refuses a signed alert without an alert object with 400', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(harness.deps, githubRequest({ action: 'created' }));
    expect(response).toEqual({
      statusCode: 400,
      body: JSON.stringify({ error: 'alert must be a JSON object' }),
    });
  });

  it('refuses a delivery without X-GitHub-Delivery with 400', async () => {
    const harness = await withKey();
    const request = githubRequest(alert(harness.leaked.apiKey));
    const { 'x-github-delivery': _, ...headers } = request.headers;
    expect((await handleLeakWebhook(harness.deps, { ...request, headers })).statusCode).toBe(400);
    expectNoChange(harness);
  });

  it('answers GitHub’s ping with 200', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(
      harness.deps,
      githubRequest({ zen: 'Keep it logically awesome.' }, { event: 'ping' }),
    );
    expect(response.statusCode).toBe(200);
  });

  it('ignores alert actions that do not mean exposure (resolved) with 202', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(
      harness.deps,
      githubRequest(alert(harness.leaked.apiKey, 'resolved')),
    );
    expect(response).toEqual({ statusCode: 202, body: JSON.stringify({ ignored: 'action resolved' }) });
    expectNoChange(harness);
  });

  it('records an alert without the secret literal as an unidentified leak', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(harness.deps, githubRequest(alert(undefined)));
    expect(response.body).toBe(JSON.stringify({ actions: ['unidentified'] }));
    expect(harness.events.ofType(DetailType.leakReported)[0]?.detail).toMatchObject({
      outcome: 'unidentified',
    });
    expect(harness.store.callCount('RotateSecret')).toBe(0);
  });
});

describe('the leak webhook, generic signed JSON', () => {
  const report = (key: string) => ({ key, source: 'trufflehog', reportedAt: '2026-12-04T18:58:00Z' });

  it('revokes a leaked previous key on a signed report (202)', async () => {
    const harness = leakHarness();
    const arn = await harness.keyedSecret('app/key', 2);
    const leaked = harness.keyAt(arn, Stage.previous);
    const response = await handleLeakWebhook(harness.deps, genericRequest(report(leaked.apiKey)));
    expect(response.body).toBe(JSON.stringify({ actions: ['revoked-previous'] }));
    expect(harness.provider.isLive(leaked.keyId)).toBe(false);
  });

  it('records an unknown key and answers 202', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(harness.deps, genericRequest(report('ghp_not_ours')));
    expect(response.body).toBe(JSON.stringify({ actions: ['unknown'] }));
    expect(harness.events.ofType(DetailType.leakReported)[0]?.detail.outcome).toBe('unknown');
  });

  it('refuses a timestamp more than 5 minutes old with 401', async () => {
    const harness = await withKey();
    const stale = Date.parse('2026-12-04T18:54:59Z') / 1000;
    const response = await handleLeakWebhook(
      harness.deps,
      genericRequest(report(harness.leaked.apiKey), { timestamp: stale }),
    );
    expect(response.statusCode).toBe(401);
    expectNoChange(harness);
  });

  it('refuses a signature over a different timestamp with 401', async () => {
    const harness = await withKey();
    const request = genericRequest(report(harness.leaked.apiKey));
    const moved = {
      ...request,
      headers: {
        ...request.headers,
        'X-Rotor-Timestamp': String(Number(request.headers['X-Rotor-Timestamp']) + 1),
      },
    };
    expect((await handleLeakWebhook(harness.deps, moved)).statusCode).toBe(401);
    expectNoChange(harness);
  });

  it('refuses the same signed report twice with 401', async () => {
    const harness = await withKey();
    const request = genericRequest(report('ghp_not_ours'));
    expect((await handleLeakWebhook(harness.deps, request)).statusCode).toBe(202);
    expect((await handleLeakWebhook(harness.deps, request)).statusCode).toBe(401);
  });

  it('refuses a request with neither signature header with 401', async () => {
    const harness = await withKey();
    const response = await handleLeakWebhook(harness.deps, {
      headers: {},
      body: JSON.stringify(report(harness.leaked.apiKey)),
    });
    expect(response).toEqual({ statusCode: 401, body: JSON.stringify({ error: 'Unsigned request' }) });
    expectNoChange(harness);
  });

  it.each([
    ['a missing key', { source: 'x', reportedAt: '2026-12-04T18:58:00Z' }],
    ['a bad reportedAt', { key: 'k', source: 'x', reportedAt: 'yesterday' }],
    ['an array', [{ key: 'k' }]],
  ])('refuses %s with 400 and quotes nothing from the body', async (_, payload) => {
    const harness = await withKey();
    const response = await handleLeakWebhook(harness.deps, genericRequest(payload));
    expect(response.statusCode).toBe(400);
    expect(response.body).not.toMatch(/"k"|yesterday/);
    expectNoChange(harness);
  });
});
