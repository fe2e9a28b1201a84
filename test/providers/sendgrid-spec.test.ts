import { sendgrid } from '../../lambdas/providers/sendgrid';
import { describeSpecShape } from './support/spec-shape';

const ADMIN = 'SG.adminkeyid.adminkeysecret';
const connect = (url: string) =>
  sendgrid.connect({
    settings: { scopes: 'mail.send alerts.read' },
    adminCredential: ADMIN,
    endpointOverride: url,
    secretName: 'payments-api',
  });

describeSpecShape(
  'SendGrid',
  'sendgrid-api-keys-v3.yaml',
  [
    {
      name: 'create key (POST /v3/api_keys)',
      run: (url) => connect(url).create({ name: 'rotor-payments-api-1', expiresAt: new Date() }),
    },
    { name: 'list keys (GET /v3/api_keys)', run: (url) => connect(url).listOwnKeys('rotor-') },
    {
      name: 'revoke key (DELETE /v3/api_keys/{api_key_id})',
      run: (url) => connect(url).revoke('some-key-id'),
    },
  ],
  {
    method: 'POST',
    path: '/v3/api_keys',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scopes: ['mail.send'] }),
  },
);

describeSpecShape('SendGrid', 'sendgrid-scopes-v3.yaml', [
  {
    name: 'verify key (GET /v3/scopes)',
    run: (url) =>
      sendgrid.verify(
        { apiKey: 'SG.newkey.secret', keyId: 'newkey' },
        { settings: {}, endpointOverride: url, secretName: 'payments-api' },
      ),
  },
]);
