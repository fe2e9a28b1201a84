import { ArnFormat, Stack } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';

/**
 * An EventBridge rule target that writes events into a CloudWatch Logs group.
 *
 * aws-events-targets' CloudWatchLogGroup installs the log group's resource
 * policy through a custom resource (a Lambda function on an older runtime with
 * an AWS managed policy); CloudFormation has a native AWS::Logs::ResourcePolicy,
 * which `LogGroup.addToResourcePolicy` creates, so Rotor uses that instead.
 */
export class LogGroupTarget implements events.IRuleTarget {
  constructor(private readonly logGroup: logs.LogGroup) {}

  bind(): events.RuleTargetConfig {
    // EventBridge wants the log group's ARN without the `:*` stream suffix.
    const arn = Stack.of(this.logGroup).formatArn({
      service: 'logs',
      resource: 'log-group',
      resourceName: this.logGroup.logGroupName,
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.logGroup.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    return { arn, targetResource: this.logGroup };
  }
}
