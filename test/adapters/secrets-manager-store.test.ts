import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidRequestException,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  RotateSecretCommand,
  SecretsManagerClient,
  TagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { SecretsManagerStore } from '../../lambdas/adapters/secrets-manager-store';
import {
  RotationInProgressError,
  SecretNotFoundError,
  SecretVersionConflictError,
  StoreThrottledError,
} from '../../lambdas/domain/store-errors';

const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:payments/sendgrid-AbCdEf';
const sm = mockClient(SecretsManagerClient);
const store = new SecretsManagerStore(new SecretsManagerClient({ region: 'us-east-1' }));

beforeEach(() => sm.reset());

describe('SecretsManagerStore', () => {
  it('describes a secret: labels, rotation state and tags as plain records', async () => {
    sm.on(DescribeSecretCommand).resolves({
      ARN,
      Name: 'payments/sendgrid',
      RotationEnabled: true,
      VersionIdsToStages: { v1: ['AWSCURRENT'] },
      Tags: [{ Key: 'rotor:provider', Value: 'sendgrid' }],
      LastRotatedDate: new Date('2026-12-01T00:00:00Z'),
    });

    await expect(store.describe(ARN)).resolves.toMatchObject({
      arn: ARN,
      name: 'payments/sendgrid',
      rotationEnabled: true,
      versionIdsToStages: { v1: ['AWSCURRENT'] },
      tags: { 'rotor:provider': 'sendgrid' },
      lastRotatedDate: new Date('2026-12-01T00:00:00Z'),
    });
  });

  it('writes a pending value with the rotation token as ClientRequestToken and only the AWSPENDING label', async () => {
    sm.on(PutSecretValueCommand).resolves({});
    await store.putPendingValue(ARN, 'token-1', '{"apiKey":"x"}');
    expect(sm).toHaveReceivedCommandWith(PutSecretValueCommand, {
      SecretId: ARN,
      ClientRequestToken: 'token-1',
      SecretString: '{"apiKey":"x"}',
      VersionStages: ['AWSPENDING'],
    });
  });

  it('reads a version by id and stage', async () => {
    sm.on(GetSecretValueCommand).resolves({
      VersionId: 'token-1',
      SecretString: '{}',
      VersionStages: ['AWSPENDING'],
    });
    await expect(store.getValue(ARN, { versionId: 'token-1', stage: 'AWSPENDING' })).resolves.toMatchObject({
      versionId: 'token-1',
      stages: ['AWSPENDING'],
    });
    expect(sm).toHaveReceivedCommandWith(GetSecretValueCommand, {
      VersionId: 'token-1',
      VersionStage: 'AWSPENDING',
    });
  });

  it('moves a label with UpdateSecretVersionStage', async () => {
    sm.on(UpdateSecretVersionStageCommand).resolves({});
    await store.updateStage(ARN, { stage: 'AWSCURRENT', moveToVersionId: 'new', removeFromVersionId: 'old' });
    expect(sm).toHaveReceivedCommandWith(UpdateSecretVersionStageCommand, {
      SecretId: ARN,
      VersionStage: 'AWSCURRENT',
      MoveToVersionId: 'new',
      RemoveFromVersionId: 'old',
    });
  });

  it('tags a secret', async () => {
    sm.on(TagResourceCommand).resolves({});
    await store.tag(ARN, { 'rotor:minting': 'token-1' });
    expect(sm).toHaveReceivedCommandWith(TagResourceCommand, {
      Tags: [{ Key: 'rotor:minting', Value: 'token-1' }],
    });
  });

  it('lists managed secrets by tag key in pages of 100 and maps ListSecrets field names', async () => {
    sm.on(ListSecretsCommand).resolves({
      SecretList: [
        {
          ARN,
          Name: 'payments/sendgrid',
          SecretVersionsToStages: { v1: ['AWSCURRENT'] },
          RotationEnabled: true,
        },
      ],
      NextToken: 'page-2',
    });
    const page = await store.listManaged({ tagKey: 'rotor:provider' });
    expect(page.nextToken).toBe('page-2');
    expect(page.secrets[0]?.versionIdsToStages).toEqual({ v1: ['AWSCURRENT'] });
    expect(sm).toHaveReceivedCommandWith(ListSecretsCommand, {
      Filters: [{ Key: 'tag-key', Values: ['rotor:provider'] }],
      MaxResults: 100,
    });
  });

  it('starts a rotation with the given token', async () => {
    sm.on(RotateSecretCommand).resolves({ ARN, VersionId: 'manual-token' });
    await expect(store.rotate(ARN, 'manual-token')).resolves.toEqual({ versionId: 'manual-token' });
  });

  it.each([
    [new ResourceNotFoundException({ message: 'not found', $metadata: {} }), SecretNotFoundError],
    [new ResourceExistsException({ message: 'exists', $metadata: {} }), SecretVersionConflictError],
    [
      new InvalidRequestException({
        message: "A previous rotation isn't complete. That rotation will be reattempted.",
        $metadata: {},
      }),
      RotationInProgressError,
    ],
    [Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }), StoreThrottledError],
  ])('translates %s into the store error the domain understands', async (serviceError, expected) => {
    sm.on(GetSecretValueCommand).rejects(serviceError);
    await expect(store.getValue(ARN, { stage: 'AWSCURRENT' })).rejects.toBeInstanceOf(expected);
  });
});
