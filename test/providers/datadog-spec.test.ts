import { datadog } from '../../lambdas/providers/datadog';
import { describeSpecShape } from './support/spec-shape';

const API_KEY = 'a'.repeat(32);
const APP_KEY = 'b'.repeat(40);
const ADMIN = JSON.stringify({ apiKey: API_KEY, appKey: APP_KEY });
const SERVICE_ACCOUNT = '00000000-0000-1234-0000-000000000000';
const APPLICATION = {
  'key-type': 'application',
  'service-account-id': SERVICE_ACCOUNT,
  scopes: 'dashboards_read',
};
const connect = (url: string, settings: Record<string, string> = {}) =>
  datadog.connect({ settings, adminCredential: ADMIN, endpointOverride: url, secretName: 'payments-api' });
const create = (url: string, settings?: Record<string, string>) =>
  connect(url, settings).create({ name: 'rotor-payments-api-1', expiresAt: new Date() });

// /api/v2/validate_keys (the application-key verification) postdates the spec snapshot
// (2026-04-14); its shape comes from Datadog's API reference.
describeSpecShape(
  'Datadog',
  'datadog-keys.yaml',
  [
    { name: 'create API key (POST /api/v2/api_keys)', run: (url) => create(url) },
    { name: 'list API keys (GET /api/v2/api_keys)', run: (url) => connect(url).listOwnKeys('rotor-') },
    {
      name: 'revoke API key (DELETE /api/v2/api_keys/{api_key_id})',
      run: (url) => connect(url).revoke('00112233-4455-6677-8899-aabbccddeeff'),
    },
    {
      name: 'create application key (POST /api/v2/service_accounts/{id}/application_keys)',
      run: (url) => create(url, APPLICATION),
    },
    {
      name: 'list application keys (GET /api/v2/service_accounts/{id}/application_keys)',
      run: (url) => connect(url, APPLICATION).listOwnKeys('rotor-'),
    },
    {
      name: 'revoke application key (DELETE …/application_keys/{app_key_id})',
      run: (url) => connect(url, APPLICATION).revoke('00112233-4455-6677-8899-aabbccddeeff'),
    },
    {
      name: 'verify API key (GET /api/v1/validate)',
      run: (url) =>
        datadog.verify(
          { apiKey: 'c'.repeat(32), keyId: 'key-id' },
          { settings: {}, endpointOverride: url, secretName: 'payments-api' },
        ),
    },
  ],
  {
    method: 'POST',
    path: '/api/v2/api_keys',
    headers: { 'dd-api-key': API_KEY, 'dd-application-key': APP_KEY, 'content-type': 'application/json' },
    body: JSON.stringify({ data: { type: 'api_keys', attributes: {} } }),
  },
);
