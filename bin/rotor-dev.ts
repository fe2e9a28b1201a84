import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { errorSummary } from '../lambdas/domain/audit-events';
import { LOCAL_AWS_ENV, LocalNames } from '../local/functions';
import { runScenario } from '../local/scenario';

/** Port of the emulator in `--interactive` mode, so the printed commands stay the same between runs. */
const INTERACTIVE_PORT = 4577;

interface DevOptions {
  readonly interactive?: boolean;
  readonly port?: number;
  readonly config: string;
  readonly verbose?: boolean;
}

/**
 * `rotor-dev` (npm start): Rotor's real functions on a local AWS emulator and
 * the local provider servers, running issue 8's scenario; with
 * `--interactive` it keeps running for the rotor CLI. Resolves to the exit code.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('rotor-dev')
    .description('Run Rotor locally, with no AWS account: the real functions on a local AWS emulator.')
    .option('--interactive', 'Keep running after the scenario, for the rotor CLI (--endpoint-url)')
    .option(
      '--port <n>',
      `Emulator port on 127.0.0.1 (default: any free port; ${INTERACTIVE_PORT} with --interactive)`,
      port,
    )
    .option(
      '--config <file>',
      'Rotor config whose keys are deployed',
      path.join('config', 'rotor.example.json'),
    )
    .option('--verbose', "Show the functions' log lines (INFO and up) and metrics as they write them")
    .parse([...argv]);
  const options = program.opts<DevOptions>();
  const write = (text: string) => process.stdout.write(text);
  try {
    const result = await runScenario({
      configFile: options.config,
      port: options.port ?? (options.interactive ? INTERACTIVE_PORT : 0),
      write,
      logLevel: options.verbose ? 'INFO' : 'WARN',
      metrics: Boolean(options.verbose),
      showFunctionLogs: Boolean(options.verbose),
      keepRunning: Boolean(options.interactive),
    });
    if (!options.interactive) return 0;
    const endpoint = result.rotor.endpoint;
    const env = Object.entries(LOCAL_AWS_ENV)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ');
    write(
      [
        '',
        'Local Rotor keeps running (Ctrl-C stops it). From another terminal:',
        `  export ${env}`,
        `  node bin/rotor.mjs status --endpoint-url ${endpoint}`,
        `  node bin/rotor.mjs rotate ${result.rotatedNow} --endpoint-url ${endpoint}`,
        `  node bin/rotor.mjs audit --since 30d --endpoint-url ${endpoint}`,
        `Leak webhook (Function URL): ${result.rotor.aws.functionUrl(LocalNames.leakFunction)}`,
        '',
      ].join('\n'),
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await result.rotor.close();
    return 0;
  } catch (error) {
    const { name, message } = errorSummary(error);
    process.stderr.write(`rotor-dev: ${name}: ${message}\n`);
    return 1;
  }
}

function port(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0 || number > 65_535)
    throw new InvalidArgumentError('Not a port.');
  return number;
}

if (require.main === module) {
  void main(process.argv).then((code) => {
    // Open sockets of the SDK's keep-alive agents must not hold the process.
    process.exit(code);
  });
}
