import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../lib/config';
import {
  buildRotorApp,
  CLOUDFORMATION_RESOURCE_LIMIT,
  CORE_RESOURCE_BUDGET,
  KEYS_PER_STACK,
  RESOURCES_PER_KEY,
  type RotorApp,
} from '../../lib/rotor-app';
import { fleetApp, fleetConfig } from './fixtures';

/** Synthesizes an app once (Template.fromStack would synthesize it again per call). */
function templates(rotor: RotorApp): Map<string, Template> {
  const assembly = (rotor.core.node.root as App).synth();
  return new Map(assembly.stacks.map((stack) => [stack.stackName, Template.fromJSON(stack.template)]));
}

function resourceCount(template: Template | undefined): number {
  return Object.keys(template?.toJSON().Resources ?? {}).length;
}

describe('splitting a fleet across stacks', () => {
  let small: RotorApp;
  let fleet: RotorApp;
  let smallTemplates: Map<string, Template>;
  let fleetTemplates: Map<string, Template>;
  const FLEET = 2 * KEYS_PER_STACK + 50;

  beforeAll(() => {
    small = fleetApp(1).rotor;
    fleet = fleetApp(FLEET).rotor;
    smallTemplates = templates(small);
    fleetTemplates = templates(fleet);
  }, 180_000);

  it('costs RESOURCES_PER_KEY resources per managed key', () => {
    const one = resourceCount(smallTemplates.get('Rotor'));
    const many = resourceCount(fleetTemplates.get('Rotor'));
    expect((many - one) / (KEYS_PER_STACK - 1)).toBe(RESOURCES_PER_KEY);
  });

  it('keeps the core stack’s own resources (enforcer and leak endpoint included) within CORE_RESOURCE_BUDGET', () => {
    const own = resourceCount(smallTemplates.get('Rotor')) - RESOURCES_PER_KEY;
    expect(own).toBeLessThanOrEqual(CORE_RESOURCE_BUDGET);
  });

  it('keeps a full core stack well under the CloudFormation limit', () => {
    const full = resourceCount(fleetTemplates.get('Rotor'));
    expect(full).toBeLessThanOrEqual(KEYS_PER_STACK * RESOURCES_PER_KEY + CORE_RESOURCE_BUDGET);
    expect(KEYS_PER_STACK * RESOURCES_PER_KEY + CORE_RESOURCE_BUDGET).toBeLessThanOrEqual(
      CLOUDFORMATION_RESOURCE_LIMIT - 100,
    );
  });

  it('puts the first KEYS_PER_STACK keys in the core stack and the rest in key stacks of that size', () => {
    expect(fleet.keyStacks.map((stack) => stack.stackName)).toEqual(['RotorKeys2', 'RotorKeys3']);
    const counts = fleet.keyStacks.map((stack) => resourceCount(fleetTemplates.get(stack.stackName)));
    expect(counts).toEqual([KEYS_PER_STACK * RESOURCES_PER_KEY, 50 * RESOURCES_PER_KEY]);
  });

  it('makes each key stack depend on the core stack, whose function it rotates with', () => {
    for (const stack of fleet.keyStacks) expect(stack.dependencies).toContain(fleet.core);
  });

  it('never moves an existing key to another stack when keys are appended', () => {
    const app = new App();
    const grown = buildRotorApp(app, parseConfig(fleetConfig(FLEET + 120)));
    for (const [id, key] of fleet.keys) {
      const moved = grown.keys.get(id);
      expect(moved && Stack.of(moved).stackName, id).toBe(Stack.of(key).stackName);
    }
  });

  it('keeps the rotation role policy the same size however many keys there are', () => {
    const policies = (all: Map<string, Template>) =>
      JSON.stringify(all.get('Rotor')?.findResources('AWS::IAM::Policy')).length;
    expect(policies(fleetTemplates)).toBe(policies(smallTemplates));
  });
});
