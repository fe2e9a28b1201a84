import { mailgun } from '../../lambdas/providers/mailgun';
import { describeSpecShape } from './support/spec-shape';

/**
 * The spec covers the Keys API only. Verification calls GET /v3/domains (user
 * keys) and POST /v3/{domain}/messages (sending keys), which are outside the
 * extracted subset and are checked against the API reference through the fake.
 */
const ADMIN = 'key-0123456789abcdef0123456789abcdef';
const connect = (url: string, settings: Record<string, string> = { role: 'basic' }) =>
  mailgun.connect({ settings, adminCredential: ADMIN, endpointOverride: url, secretName: 'mail-api' });
const basic = `Basic ${Buffer.from(`api:${ADMIN}`).toString('base64')}`;

const controlBody = '--x\r\nContent-Disposition: form-data; name="description"\r\n\r\nno role\r\n--x--\r\n';

describeSpecShape(
  'Mailgun',
  'mailgun-keys.yaml',
  [
    {
      name: 'create user key (POST /v1/keys, multipart)',
      run: (url) =>
        connect(url).create({ name: 'rotor-mail-api-1', expiresAt: new Date(Date.now() + 86_400_000) }),
    },
    {
      name: 'create domain sending key (POST /v1/keys, multipart)',
      run: (url) =>
        connect(url, { role: 'sending', kind: 'domain', domain: 'mg.example.com' }).create({
          name: 'rotor-mail-api-1',
          expiresAt: new Date(Date.now() + 86_400_000),
        }),
    },
    { name: 'list keys (GET /v1/keys)', run: (url) => connect(url).listOwnKeys('rotor-') },
    { name: 'revoke key (DELETE /v1/keys/{key_id})', run: (url) => connect(url).revoke('f2153fd0-f1277777') },
  ],
  {
    method: 'POST',
    path: '/v1/keys',
    headers: { authorization: basic, 'content-type': 'multipart/form-data; boundary=x' },
    body: controlBody,
  },
);
