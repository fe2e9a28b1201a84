import { twilio } from '../../lambdas/providers/twilio';
import { describeSpecShape } from './support/spec-shape';

const ACCOUNT_SID = `AC${'a'.repeat(32)}`;
const ADMIN = JSON.stringify({ accountSid: ACCOUNT_SID, authToken: 'authtoken' });
const BASIC = `Basic ${Buffer.from(`${ACCOUNT_SID}:authtoken`).toString('base64')}`;
const connect = (url: string, settings: Record<string, string> = {}) =>
  twilio.connect({ settings, adminCredential: ADMIN, endpointOverride: url, secretName: 'payments-api' });

// The verification read (v2010 Usage Records) is in twilio_api_v2010.yaml, which is not among the
// fixtures; its shape comes from Twilio's API reference.
describeSpecShape(
  'Twilio',
  'twilio-iam-v1.yaml',
  [
    {
      name: 'create standard key (POST /v1/Keys)',
      run: (url) => connect(url).create({ name: 'rotor-payments-api-1', expiresAt: new Date() }),
    },
    {
      name: 'create restricted key (POST /v1/Keys with KeyType and Policy)',
      run: (url) =>
        connect(url, { 'key-type': 'restricted', policy: '/twilio/messaging/messages/read' }).create({
          name: 'rotor-payments-api-1',
          expiresAt: new Date(),
        }),
    },
    { name: 'list keys (GET /v1/Keys)', run: (url) => connect(url).listOwnKeys('rotor-') },
    {
      name: 'revoke key (DELETE /v1/Keys/{Sid})',
      run: (url) => connect(url).revoke(`SK${'b'.repeat(32)}`),
    },
  ],
  {
    method: 'POST',
    path: '/v1/Keys',
    headers: { authorization: BASIC, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'FriendlyName=no-account-sid',
  },
);
