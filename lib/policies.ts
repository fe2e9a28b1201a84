import * as iam from 'aws-cdk-lib/aws-iam';

/** Denies every request to a secret that does not arrive over TLS (its resource policy). */
export function denyWithoutTls(): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DenyWithoutTls',
    effect: iam.Effect.DENY,
    principals: [new iam.AnyPrincipal()],
    actions: ['secretsmanager:*'],
    resources: ['*'],
    conditions: { Bool: { 'aws:SecureTransport': 'false' } },
  });
}
