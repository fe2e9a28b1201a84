import { fingerprintOf } from '../../lambdas/domain/secret-value';
import { algolia } from '../../lambdas/providers/algolia';
import { describeSpecShape } from './support/spec-shape';

const APP_ID = 'LATENCY7QX';
const ADMIN = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const NEW_KEY = '13ad45b4d0a2f6ea65ecbddf6aa260f2';
const NEW_KEY_ID = fingerprintOf(NEW_KEY);
const settings = { 'application-id': APP_ID, acl: 'search browse', indexes: 'prod_*' };
const connect = (url: string) =>
  algolia.connect({ settings, adminCredential: ADMIN, endpointOverride: url, secretName: 'search-api' });

describeSpecShape(
  'Algolia',
  'algolia-keys.yaml',
  [
    {
      name: 'create key (POST /1/keys)',
      run: (url) =>
        connect(url).create({ name: 'rotor-search-api-1', expiresAt: new Date(Date.now() + 86_400_000) }),
    },
    { name: 'list keys (GET /1/keys)', run: (url) => connect(url).listOwnKeys('rotor-') },
    {
      name: 'revoke key by its stored value (DELETE /1/keys/{key})',
      run: async (url) => {
        // Resolves only if the DELETE was made and answered 2xx or 404.
        const outcome = await connect(url).revoke(NEW_KEY_ID, { apiKey: NEW_KEY, keyId: NEW_KEY_ID });
        if (outcome !== 'revoked') throw new Error(`expected a DELETE, got ${outcome}`);
      },
    },
    {
      name: 'verify key with the key itself (GET /1/keys/{key})',
      run: (url) =>
        algolia.verify(
          { apiKey: NEW_KEY, keyId: NEW_KEY_ID, applicationId: APP_ID },
          { settings, endpointOverride: url, secretName: 'search-api' },
        ),
    },
  ],
  {
    method: 'POST',
    path: '/1/keys',
    headers: {
      'x-algolia-application-id': APP_ID,
      'x-algolia-api-key': ADMIN,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ description: 'no acl' }),
  },
);
