import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ProviderAuthError,
  ProviderRateLimitError,
  ProviderRequestError,
  ProviderResponseError,
  ProviderUnavailableError,
} from '../../../lambdas/providers/errors';
import type {
  ConnectOptions,
  ProviderAdapter,
  ProviderConnection,
  StoredCredential,
} from '../../../lambdas/providers/provider';
import type { ProviderFake } from './provider-fake';

export interface ConformanceFixture {
  readonly adapter: ProviderAdapter;
  readonly fake: ProviderFake;
}

const SECRET_NAME = 'payments-api';
const PREFIX = `rotor-${SECRET_NAME}-`;

/**
 * The behaviour every provider adapter must show against a local server that
 * speaks its provider's documented API: the key life cycle, list-own-keys for
 * orphan cleanup and retries, retries only where they are safe, named errors,
 * and no key material in any error.
 */
export function describeAdapterConformance(name: string, start: () => Promise<ConformanceFixture>): void {
  describe(`${name} adapter conformance`, () => {
    let adapter: ProviderAdapter;
    let fake: ProviderFake;
    let sleeps: number[];
    let options: ConnectOptions;
    let connection: ProviderConnection;
    const expiresAt = () => new Date(Date.now() + 45 * 24 * 3600 * 1000);

    beforeEach(async () => {
      ({ adapter, fake } = await start());
      sleeps = [];
      options = {
        settings: fake.settings,
        adminCredential: fake.adminCredential,
        endpointOverride: fake.server.url,
        secretName: SECRET_NAME,
        http: { sleep: async (ms) => void sleeps.push(ms), random: () => 0.5 },
      };
      connection = adapter.connect(options);
    });

    afterEach(async () => {
      await fake.close();
    });

    const credentialOf = (minted: Awaited<ReturnType<ProviderConnection['create']>>): StoredCredential => ({
      ...minted.publicFields,
      ...minted.credential,
      keyId: minted.keyId,
    });

    it('creates a key that is live at the provider and verifies with the key alone', async () => {
      const minted = await connection.create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() });
      expect(fake.isLive(minted.keyId)).toBe(true);
      expect(minted.credential.apiKey).not.toBe('');
      await expect(adapter.verify(credentialOf(minted), options)).resolves.toBeUndefined();
    });

    it('lists its own keys by name prefix and leaves other keys out', async () => {
      const own = await connection.create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() });
      const other = await connection.create({ name: 'someone-elses-key', expiresAt: expiresAt() });
      const listed = await connection.listOwnKeys(PREFIX);
      expect(listed.map((key) => key.keyId)).toContain(own.keyId);
      expect(listed.map((key) => key.keyId)).not.toContain(other.keyId);
      expect(listed.find((key) => key.keyId === own.keyId)?.name).toBe(`${PREFIX}abc123`);
    });

    it('revokes a key, and reports a second revoke as already gone', async () => {
      const minted = await connection.create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() });
      await expect(connection.revoke(minted.keyId)).resolves.toBe('revoked');
      expect(fake.isLive(minted.keyId)).toBe(false);
      await expect(connection.revoke(minted.keyId)).resolves.toBe('already-gone');
    });

    it('fails verification of a revoked key with a named provider error', async () => {
      const minted = await connection.create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() });
      await connection.revoke(minted.keyId);
      await expect(adapter.verify(credentialOf(minted), options)).rejects.toBeInstanceOf(
        ProviderRequestError,
      );
    });

    it('waits out a 429 as the provider asks and then creates exactly one key', async () => {
      fake.server.failNext({ reply: fake.rateLimitReply(2), when: fake.isCreate });
      const minted = await connection.create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() });
      expect(fake.liveKeyIds()).toEqual([minted.keyId]);
      expect(sleeps).toHaveLength(1);
      expect(sleeps[0]).toBeGreaterThan(500);
      expect(sleeps[0]).toBeLessThanOrEqual(3_000);
    });

    it('gives up on a provider that keeps answering 429 with a rate-limit error', async () => {
      fake.server.failNext({ reply: fake.rateLimitReply(1), when: fake.isList, times: 100 });
      await expect(connection.listOwnKeys(PREFIX)).rejects.toBeInstanceOf(ProviderRateLimitError);
    });

    it('retries a revoke after a 5xx, since revoking twice is harmless', async () => {
      const minted = await connection.create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() });
      fake.server.failNext({ reply: fake.serverErrorReply(), when: fake.isRevoke });
      await expect(connection.revoke(minted.keyId)).resolves.toBe('revoked');
      expect(fake.server.requests.filter(fake.isRevoke)).toHaveLength(2);
    });

    it('does not repeat a create that failed with a 5xx, and marks the failure ambiguous', async () => {
      fake.server.failNext({ reply: fake.serverErrorReply(), when: fake.isCreate, afterEffect: true });
      const failure = await connection
        .create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() })
        .catch((e) => e);
      expect(failure).toBeInstanceOf(ProviderUnavailableError);
      expect((failure as ProviderUnavailableError).ambiguous).toBe(true);
      expect(fake.server.requests.filter(fake.isCreate)).toHaveLength(1);
      // The provider did make the key: list-own-keys is how the rotation finds and revokes it.
      const listed = await connection.listOwnKeys(`${PREFIX}abc123`);
      expect(listed).toHaveLength(1);
    });

    it('maps a refused admin credential to ProviderAuthError with the status', async () => {
      fake.server.failNext({
        reply: { status: 401, body: { errors: [{ message: 'unauthorized' }] } },
        when: fake.isList,
      });
      const failure = await connection.listOwnKeys(PREFIX).catch((e) => e);
      expect(failure).toBeInstanceOf(ProviderAuthError);
      expect((failure as ProviderAuthError).status).toBe(401);
    });

    it('refuses a success answer that is not JSON with ProviderResponseError', async () => {
      fake.server.failNext({ reply: { status: 200, body: '<html>maintenance</html>' }, when: fake.isCreate });
      await expect(
        connection.create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() }),
      ).rejects.toBeInstanceOf(ProviderResponseError);
    });

    it('never puts key material or the admin credential into an error', async () => {
      const minted = await connection.create({ name: `${PREFIX}abc123`, expiresAt: expiresAt() });
      const errors: unknown[] = [];
      fake.server.failNext({ reply: fake.serverErrorReply(), times: 10 });
      errors.push(await connection.revoke(minted.keyId).catch((e) => e));
      errors.push(await adapter.verify(credentialOf(minted), options).catch((e) => e));
      errors.push(
        await connection.create({ name: `${PREFIX}def456`, expiresAt: expiresAt() }).catch((e) => e),
      );
      fake.server.failNext({ reply: { status: 401, body: { message: fake.adminCredential } }, times: 10 });
      errors.push(await connection.listOwnKeys(PREFIX).catch((e) => e));
      errors.push(await adapter.verify(credentialOf(minted), options).catch((e) => e));

      expect(errors.every((error) => error instanceof ProviderRequestError)).toBe(true);
      const secrets = fake.issuedSecrets();
      for (const error of errors as Error[]) {
        const rendered = `${error.message} ${JSON.stringify(error)} ${String(error.stack)} ${String(error.cause)}`;
        for (const secret of secrets) expect(rendered).not.toContain(secret);
      }
    });
  });
}
