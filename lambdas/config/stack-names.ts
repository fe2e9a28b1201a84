import { RotorError } from '../domain/errors';

/** The core stack's name when the config or the code names none. */
export const DEFAULT_STACK_NAME = 'Rotor';

/** Lambda function names are at most 64 characters. */
const MAX_FUNCTION_NAME = 64;
const ASSISTED_SUFFIX = '-assisted';

/** The longest stack name whose derived names all fit their services' limits. */
export const MAX_STACK_NAME_LENGTH = MAX_FUNCTION_NAME - ASSISTED_SUFFIX.length;

/** A stack name too long for the resource names derived from it. */
export class StackNameError extends RotorError {}

/**
 * Names of the core stack's resources that operators' tools find without
 * looking anything up: the CLI's defaults are these names for the default
 * stack, and the stack's outputs print them for any other.
 */
export interface RotorResourceNames {
  /** Rotor's audit bus: `<stack name, lower case>-audit`. */
  readonly eventBus: string;
  /** The audit log group; EventBridge writes to CloudWatch Logs only under `/aws/events/`. */
  readonly auditLogGroup: string;
  /** The function that stores operator-supplied keys (assisted rotation). */
  readonly assistedFunction: string;
}

/** The predictable names of a core stack's resources, derived from its name. */
export function rotorResourceNames(stackName: string): RotorResourceNames {
  if (stackName.length > MAX_STACK_NAME_LENGTH) {
    throw new StackNameError(
      `Stack name ${stackName} is longer than ${MAX_STACK_NAME_LENGTH} characters: the assisted function's name would exceed Lambda's 64`,
    );
  }
  const lower = stackName.toLowerCase();
  return {
    eventBus: `${lower}-audit`,
    auditLogGroup: `/aws/events/${stackName}/rotor-audit`,
    assistedFunction: `${lower}${ASSISTED_SUFFIX}`,
  };
}
