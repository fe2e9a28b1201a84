import { openai } from '../../lambdas/providers/openai';
import { describeSpecShape } from './support/spec-shape';

const ADMIN = 'sk-admin-adminkeysecret';
const connect = (url: string) =>
  openai.connect({
    settings: { project: 'proj_abc' },
    adminCredential: ADMIN,
    endpointOverride: url,
    secretName: 'payments-api',
  });

describeSpecShape(
  'OpenAI',
  'openai-keys.yaml',
  [
    {
      name: 'create service account with its key (POST /organization/projects/{project_id}/service_accounts)',
      run: (url) =>
        connect(url).create({ name: 'rotor-payments-api-1', expiresAt: new Date(Date.now() + 86_400_000) }),
    },
    {
      name: 'list service accounts (GET /organization/projects/{project_id}/service_accounts)',
      run: (url) => connect(url).listOwnKeys('rotor-'),
    },
    {
      name: 'revoke key (DELETE /organization/projects/{project_id}/service_accounts/{service_account_id})',
      run: (url) => connect(url).revoke('svc_acct_abc'),
    },
    {
      name: 'verify key (GET /models)',
      run: (url) =>
        openai.verify(
          { apiKey: 'sk-svcacct-newkey', keyId: 'svc_acct_abc' },
          { settings: {}, endpointOverride: url, secretName: 'payments-api' },
        ),
    },
  ],
  {
    method: 'POST',
    path: '/organization/projects/proj_abc/service_accounts',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ expires_in_seconds: 3600 }),
  },
);
