import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLOUDFORMATION_RESOURCE_LIMIT } from '../lib/rotor-app';

const ROOT = path.join(__dirname, '..');
const GOAL_500_KEYS_SECONDS = 60;

interface SynthResult {
  /** Wall-clock seconds: what a user waits (inflated when other work shares the cores). */
  readonly seconds: number;
  /** CPU seconds of the synth and its children: steadier on a shared machine. */
  readonly cpuSeconds: number;
  readonly stacks: number;
  readonly maxResources: number;
}

/** `cdk synth` of a config, as a user runs it (CLI, tsx, bundling, cdk-nag), into a temp dir. */
function synth(configFile: string): SynthResult {
  const out = mkdtempSync(path.join(tmpdir(), 'rotor-synth-'));
  const cpuBefore = childrenCpuSeconds();
  const started = performance.now();
  const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '-c', `config=${configFile}`, '-o', out], {
    cwd: ROOT,
    env: { ...process.env, CDK_DISABLE_VERSION_CHECK: '1' },
    encoding: 'utf8',
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = childrenCpuSeconds() - cpuBefore;
  if (result.status !== 0) throw new Error(`cdk synth failed:\n${result.stderr}`);
  const templates = readdirSync(out).filter((file) => file.endsWith('.template.json'));
  const counts = templates.map(
    (file) => Object.keys(JSON.parse(readFileSync(path.join(out, file), 'utf8')).Resources ?? {}).length,
  );
  rmSync(out, { recursive: true, force: true });
  return { seconds, cpuSeconds, stacks: templates.length, maxResources: Math.max(...counts) };
}

/**
 * CPU time of this process's reaped children (cutime + cstime in /proc/self/stat),
 * which includes their own children: npx, the CDK CLI, tsx and esbuild.
 */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]?.split(' ') ?? [];
  // After "pid (comm) ", cutime and cstime are fields 14 and 15 (0-based), in clock ticks (100 Hz on Linux).
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

/** A config of `count` SendGrid keys, written to a temp dir. */
function fleetConfig(count: number): string {
  const keys: Record<string, unknown> = {};
  for (let index = 0; index < count; index++) {
    keys[`key${index}`] = {
      provider: 'sendgrid',
      adminSecret: 'rotor/admin/sendgrid',
      schedule: { every: 'P30D' },
      settings: { scopes: 'mail.send' },
    };
  }
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'rotor-config-')), `fleet-${count}.json`);
  writeFileSync(file, JSON.stringify({ adminSecrets: { 'rotor/admin/sendgrid': {} }, keys }));
  return file;
}

function line(label: string, result: SynthResult): void {
  console.log(
    `${label.padEnd(16)} ${result.seconds.toFixed(1).padStart(6)} s wall ${result.cpuSeconds.toFixed(1).padStart(6)} s CPU   stacks ${String(result.stacks).padStart(2)}   ` +
      `max resources/stack ${String(result.maxResources).padStart(3)} (limit ${CLOUDFORMATION_RESOURCE_LIMIT})`,
  );
}

/** Synth time of the example and of generated fleets; goal: 500 keys < 60 s, linear, no stack over 500. */
export async function run(): Promise<void> {
  const example = synth(path.join(ROOT, 'config', 'rotor.example.json'));
  line('example (3 keys)', example);
  const hundred = synth(fleetConfig(100));
  line('100 keys', hundred);
  const fiveHundred = synth(fleetConfig(500));
  line('500 keys', fiveHundred);

  // Marginal CPU cost per key over the two spans: linear growth keeps them close.
  const perKeyLow = ((hundred.cpuSeconds - example.cpuSeconds) / 97) * 1000;
  const perKeyHigh = ((fiveHundred.cpuSeconds - hundred.cpuSeconds) / 400) * 1000;
  const linear = perKeyHigh <= 2 * Math.max(perKeyLow, 5);
  console.log(
    `CPU per key: ${perKeyLow.toFixed(1)} ms (3→100), ${perKeyHigh.toFixed(1)} ms (100→500)   ` +
      `linear: ${linear ? 'yes' : 'NO'} (goal: yes)`,
  );
  console.log(
    `500 keys: ${fiveHundred.seconds.toFixed(1)} s (goal < ${GOAL_500_KEYS_SECONDS} s: ${fiveHundred.seconds < GOAL_500_KEYS_SECONDS ? 'met' : 'MISSED'}); ` +
      `largest stack ${fiveHundred.maxResources} resources (goal ≤ ${CLOUDFORMATION_RESOURCE_LIMIT}: ` +
      `${fiveHundred.maxResources <= CLOUDFORMATION_RESOURCE_LIMIT ? 'met' : 'MISSED'})`,
  );
}
