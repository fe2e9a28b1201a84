#!/usr/bin/env node
// The rotor CLI's entry point (package.json "bin"). The CLI is TypeScript that
// shares the Lambdas' domain code; tsx compiles it on the fly, so it runs from a
// clone right after `npm ci` with no separate build output to keep in sync.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('./rotor.ts', import.meta.url);
process.exitCode = await main(process.argv);
