import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm run bench`: runs every bench/*.bench.ts in turn. Each exports
 * `run(): Promise<void>` and prints its own figures; the goals they measure
 * come from the issues and are printed beside each figure.
 */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const files = readdirSync(__dirname)
    .filter((file) => file.endsWith('.bench.ts'))
    .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
    .sort();
  let failed = false;
  for (const file of files) {
    console.log(`\n=== ${file.replace('.bench.ts', '')} ===`);
    const module = (await import(join(__dirname, file))) as { run: () => Promise<void> };
    try {
      await module.run();
    } catch (error) {
      failed = true;
      console.error(`${file} failed:`, error);
    }
  }
  process.exitCode = failed ? 1 : 0;
}

void main();
