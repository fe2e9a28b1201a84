import { afterEach, describe, expect, it } from 'vitest';
import {
  ProviderRateLimitError,
  ProviderRejectedError,
  ProviderUnavailableError,
} from '../../lambdas/providers/errors';
import { ProviderHttpClient, waitHint } from '../../lambdas/providers/http-client';
import { FakeHttpServer } from './support/fake-http-server';

describe('ProviderHttpClient', () => {
  let server: FakeHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  const client = (url: string, sleeps: number[], retry = {}) =>
    new ProviderHttpClient({
      provider: 'acme',
      baseUrl: url,
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 1,
      retry,
    });

  it('honours Retry-After given as an HTTP date', async () => {
    server = await FakeHttpServer.start(() => ({ status: 200, body: { ok: true } }));
    const sleeps: number[] = [];
    server.failNext({
      reply: { status: 429, headers: { 'retry-after': new Date(Date.now() + 3_000).toUTCString() } },
    });
    await client(server.url, sleeps).request({
      operation: 'list keys',
      method: 'GET',
      path: '/keys',
      idempotent: true,
    });
    expect(sleeps[0]).toBeGreaterThan(1_000);
    expect(sleeps[0]).toBeLessThanOrEqual(3_000);
  });

  it('fails fast when Retry-After is longer than it will wait', async () => {
    server = await FakeHttpServer.start(() => ({ status: 200, body: {} }));
    server.failNext({ reply: { status: 429, headers: { 'retry-after': '3600' } } });
    const sleeps: number[] = [];
    const failure = await client(server.url, sleeps)
      .request({ operation: 'list keys', method: 'GET', path: '/keys', idempotent: true })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(ProviderRateLimitError);
    expect((failure as ProviderRateLimitError).retryAfterMs).toBe(3_600_000);
    expect(sleeps).toEqual([]);
  });

  it('backs off exponentially on 5xx for idempotent requests, up to the attempt limit', async () => {
    server = await FakeHttpServer.start(() => ({ status: 200, body: {} }));
    server.failNext({ reply: { status: 503 }, times: 10 });
    const sleeps: number[] = [];
    await expect(
      client(server.url, sleeps).request({
        operation: 'list keys',
        method: 'GET',
        path: '/keys',
        idempotent: true,
      }),
    ).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(sleeps).toEqual([500, 1_000, 2_000]);
    expect(server.requests).toHaveLength(4);
  });

  it('does not retry a 4xx other than 429', async () => {
    server = await FakeHttpServer.start(() => ({ status: 422, body: { error: 'bad' } }));
    await expect(
      client(server.url, []).request({
        operation: 'create key',
        method: 'POST',
        path: '/keys',
        body: {},
        idempotent: false,
      }),
    ).rejects.toBeInstanceOf(ProviderRejectedError);
    expect(server.requests).toHaveLength(1);
  });

  it('times out a hanging provider and reports it as ambiguous', async () => {
    server = await FakeHttpServer.start(() => new Promise(() => undefined));
    const failure = await client(server.url, [], { timeoutMs: 200 })
      .request({ operation: 'create key', method: 'POST', path: '/keys', body: {}, idempotent: false })
      .catch((e) => e);
    expect(failure).toBeInstanceOf(ProviderUnavailableError);
    expect((failure as Error).message).toBe('acme create key failed: timed out');
  });

  it('reads X-RateLimit-Reset as an epoch time or as seconds', () => {
    const now = 1_800_000_000_000;
    expect(waitHint(new Headers({ 'x-ratelimit-reset': String(now / 1000 + 5) }), now)).toBe(5_000);
    expect(waitHint(new Headers({ 'x-ratelimit-reset': '7' }), now)).toBe(7_000);
    expect(waitHint(new Headers({ 'retry-after': '2', 'x-ratelimit-reset': '7' }), now)).toBe(2_000);
    expect(waitHint(new Headers({}), now)).toBeUndefined();
  });
});
