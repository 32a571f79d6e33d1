import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  writeFileSync,
  existsSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * A stand-in `terraform` executable for tests on machines without Terraform or its providers.
 * It records every call (arguments, directory, TF_* environment) and answers from a scenario:
 * `show -json` replays a saved `terraform show -json` document, `output -json` a saved outputs
 * document, and any subcommand can be told to fail with a saved stderr (a lock error, a stale
 * plan). `plan -out=F` writes a small plan file so apply-side checks have bytes to hash.
 * Fixture names resolve in the caller's fixtures folder (actions/terraform/__tests__/fixtures).
 */

export interface StandInAnswer {
  exitCode?: number;
  stdout?: string;
  /** A fixture file name whose text goes to stderr. */
  stderrFixture?: string;
}

export interface StandInScenario {
  /** Fixture replayed by `show -json`. */
  planJson?: string;
  /** Fixture replayed by `show` (text). */
  planText?: string;
  /** Fixture (a name in fixtures/, or an absolute path) replayed by `output -json`. */
  outputs?: string;
  /** Answers by subcommand (init, fmt, validate, plan, apply, ...). */
  answers?: Record<string, StandInAnswer>;
}

export interface RecordedCall {
  args: string[];
  cwd: string;
  tfEnv: Record<string, string>;
}

export interface StandInTerraform {
  /** Prepend to PATH. */
  binDir: string;
  /** Environment for the action run (PATH and the scenario location). */
  env: Record<string, string>;
  calls(): RecordedCall[];
  /** Subcommands in call order, e.g. ['version', 'init', 'fmt', ...]. */
  subcommands(): string[];
}

const SCRIPT = `#!/usr/bin/env node
// Stand-in terraform written by tests/kit/stand-ins/terraform-cli.ts.
const fs = require('fs');
const path = require('path');
const dir = process.env.TF_STANDIN_DIR;
const scenario = JSON.parse(fs.readFileSync(path.join(dir, 'scenario.json'), 'utf8'));
const fixtures = scenario.fixtures;
const args = process.argv.slice(2);
const tfEnv = {};
for (const [k, v] of Object.entries(process.env)) if (k.startsWith('TF_')) tfEnv[k] = v;
delete tfEnv.TF_STANDIN_DIR;
fs.appendFileSync(path.join(dir, 'calls.jsonl'), JSON.stringify({ args, cwd: process.cwd(), tfEnv }) + '\\n');
const sub = args[0] || '';
const answer = (scenario.answers || {})[sub] || {};
const fixture = (name) => fs.readFileSync(path.resolve(fixtures, name), 'utf8');
if (answer.stderrFixture) process.stderr.write(fixture(answer.stderrFixture));
if (answer.stdout) process.stdout.write(answer.stdout);
const code = answer.exitCode;
if (code !== undefined && code !== 0 && code !== 2) process.exit(code);
switch (sub) {
  case 'version':
    process.stdout.write('Terraform v1.11.4\\non linux_amd64\\n');
    break;
  case 'init':
    process.stdout.write('\\nTerraform has been successfully initialized!\\n');
    break;
  case 'validate':
    process.stdout.write('Success! The configuration is valid.\\n');
    break;
  case 'plan': {
    const out = args.find((a) => a.startsWith('-out='));
    if (out) fs.writeFileSync(out.slice(5), 'stand-in plan\\n' + JSON.stringify(args) + '\\n');
    process.stdout.write('Saved the plan to: ' + (out ? out.slice(5) : '?') + '\\n');
    break;
  }
  case 'show':
    if (args.includes('-json')) process.stdout.write(fixture(scenario.planJson));
    else process.stdout.write(fixture(scenario.planText || 'real-1.11.4-terraform-data.plan.txt'));
    break;
  case 'apply':
    process.stdout.write('\\nApply complete! Resources: 0 added, 1 changed, 0 destroyed.\\n');
    break;
  case 'output':
    process.stdout.write(fixture(scenario.outputs));
    break;
}
process.exit(code || 0);
`;

/**
 * Write the stand-in and its scenario into a fresh temporary directory; the scenario's fixture
 * names are files in `fixtures`.
 */
export function installStandInTerraform(
  scenario: StandInScenario,
  fixtures: string,
  baseDir?: string
): StandInTerraform {
  const root = baseDir ?? mkdtempSync(path.join(tmpdir(), 'tf-standin-'));
  const binDir = path.join(root, 'bin');
  mkdirSync(binDir, { recursive: true });
  const bin = path.join(binDir, 'terraform');
  writeFileSync(bin, SCRIPT);
  chmodSync(bin, 0o755);
  writeFileSync(path.join(root, 'scenario.json'), JSON.stringify({ ...scenario, fixtures }));
  writeFileSync(path.join(root, 'calls.jsonl'), '');
  const calls = (): RecordedCall[] => {
    const file = path.join(root, 'calls.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as RecordedCall);
  };
  return {
    binDir,
    env: { PATH: `${binDir}:${process.env.PATH ?? ''}`, TF_STANDIN_DIR: root },
    calls,
    subcommands: () => calls().map((c) => c.args[0] ?? '')
  };
}
