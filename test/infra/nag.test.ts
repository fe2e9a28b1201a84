import { type App, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { exampleApp, fleetApp } from './fixtures';

function unsuppressed(app: App): string[] {
  const report = new AwsSolutionsChecks(app).validateScope(app);
  return report.violations.flatMap((violation) =>
    violation.violatingResources.map((resource) => `${violation.ruleName} at ${resource.constructPath}`),
  );
}

describe('cdk-nag AwsSolutions checks', () => {
  it('find nothing unsuppressed in the example config', () => {
    expect(unsuppressed(exampleApp().app)).toEqual([]);
  });

  it('find nothing unsuppressed in a fleet split across stacks', () => {
    expect(unsuppressed(fleetApp(150).app)).toEqual([]);
  });

  it('do report a wildcard policy that nobody justified (the check is live)', () => {
    const { app, rotor } = exampleApp();
    const role = new iam.Role(Stack.of(rotor.core), 'Careless', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['secretsmanager:*'], resources: ['*'] }));
    expect(unsuppressed(app)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^AwsSolutions-IAM5.* at Rotor\/Careless/)]),
    );
  });
});
