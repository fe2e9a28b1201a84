import { awsServices } from '../lambdas/cli/aws-services';
import { runCli } from '../lambdas/cli/program';

/** Runs the rotor CLI against AWS with the process's own terminal; resolves to the exit code. */
export function main(argv: readonly string[]): Promise<number> {
  return runCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    connect: awsServices,
  });
}
