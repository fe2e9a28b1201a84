import { cloudflare } from '../../lambdas/providers/cloudflare';
import { ProviderResponseError } from '../../lambdas/providers/errors';
import { describeSpecShape } from './support/spec-shape';

/**
 * The 2024 schema covers user-owned tokens only; account-owned tokens
 * (/accounts/{account_id}/tokens) are absent from every spec in reach and are
 * checked against the API reference through the fake server instead.
 */
const ADMIN = 'Sn3lZJTBX6kkg7OdcBUAxOO963GEIyGQqnFTOFYY';
const settings = {
  'permission-groups': 'c8fed203ed3043cba015a93ad1616f1f',
  resources: 'com.cloudflare.api.account.zone.22b1de5f1c0e4b3ea97bb1e963b06a43',
};
const connect = (url: string) =>
  cloudflare.connect({ settings, adminCredential: ADMIN, endpointOverride: url, secretName: 'dns-api' });

describeSpecShape(
  'Cloudflare',
  'cloudflare-keys.yaml',
  [
    {
      name: 'create token (POST /user/tokens)',
      run: (url) =>
        connect(url)
          .create({ name: 'rotor-dns-api-1', expiresAt: new Date(Date.now() + 86_400_000) })
          .catch((error: unknown) => {
            // The schema's create answer documents only `value`, not the token's `id`
            // that the real API returns, so the adapter refuses Prism's example body.
            // What this case checks is the request, which Prism validated.
            if (!(error instanceof ProviderResponseError)) throw error;
          }),
    },
    { name: 'list tokens (GET /user/tokens)', run: (url) => connect(url).listOwnKeys('rotor-') },
    {
      name: 'delete token (DELETE /user/tokens/{token_id})',
      run: (url) => connect(url).revoke('ed17574386854bf78a67040be0a770b0'),
    },
    {
      name: 'verify token with the token itself (GET /user/tokens/verify)',
      run: (url) =>
        cloudflare.verify(
          { apiKey: '8M7wS6hCpXVc-DoRnPPY_UCWPgy8aea4Wy6kCe5T', keyId: 'ed17574386854bf78a67040be0a770b0' },
          { settings, endpointOverride: url, secretName: 'dns-api' },
        ),
    },
  ],
  {
    method: 'POST',
    path: '/user/tokens',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'no policies' }),
  },
);
