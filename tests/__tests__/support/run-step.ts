import { Evaluator, Lexer, Parser, data } from '@actions/expressions';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseFileCommand } from '../../kit/action-bundle.js';
import type { Step } from './workflow-files.js';

/**
 * Runs a workflow's `run:` step as the runner does — the script in a file under
 * `bash --noprofile --norc -eo pipefail`, outputs through GITHUB_OUTPUT — with the environment
 * given (the step's `env:` already evaluated by the caller).
 */
export function runStep(
  step: Step | undefined,
  env: Record<string, string>,
  cwd: string
): { status: number | null; stdout: string; stderr: string; outputs: Record<string, string> } {
  const dir = mkdtempSync(path.join(tmpdir(), 'run-step-'));
  const script = path.join(dir, 'step.sh');
  const output = path.join(dir, 'output');
  writeFileSync(script, step?.run ?? 'echo "no such step" >&2; exit 9');
  writeFileSync(output, '');
  const bash = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    cwd,
    env: { PATH: process.env.PATH, RUNNER_TEMP: dir, GITHUB_OUTPUT: output, ...env },
    encoding: 'utf8'
  });
  const outputs = parseFileCommand(readFileSync(output, 'utf8'));
  return { status: bash.status, stdout: bash.stdout, stderr: bash.stderr, outputs };
}

export interface GhAnswer {
  /** Matched against the arguments joined by spaces. */
  args: RegExp;
  /** What GitHub answers (JSON for `gh api`); `--jq` is applied to it with the real jq. */
  stdout?: unknown;
  exit?: number;
}

/**
 * A `gh` on PATH that records its calls and answers from a script of canned replies (first
 * match wins; unmatched calls fail as gh does on a 404). Returns the PATH to use and the calls.
 */
export function ghStandIn(answers: GhAnswer[]): { path: string; calls: () => string[][] } {
  const dir = mkdtempSync(path.join(tmpdir(), 'gh-stand-in-'));
  const log = path.join(dir, 'calls.jsonl');
  writeFileSync(log, '');
  writeFileSync(
    path.join(dir, 'answers.json'),
    JSON.stringify(answers.map((a) => ({ ...a, args: a.args.source })))
  );
  const gh = path.join(dir, 'gh');
  writeFileSync(
    gh,
    `#!/usr/bin/env node
const fs = require('node:fs');
const { execFileSync } = require('node:child_process');
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + '\\n');
const answers = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, 'answers.json'))}, 'utf8'));
const answer = answers.find((a) => new RegExp(a.args).test(args.join(' ')));
if (!answer) { process.stderr.write('gh: HTTP 404: Not Found\\n'); process.exit(1); }
let out = answer.stdout === undefined ? '' : typeof answer.stdout === 'string' ? answer.stdout : JSON.stringify(answer.stdout);
const jq = args.indexOf('--jq');
if (jq >= 0 && out !== '') out = execFileSync('jq', ['-r', args[jq + 1]], { input: out, encoding: 'utf8' });
process.stdout.write(out);
process.exit(answer.exit ?? 0);
`
  );
  chmodSync(gh, 0o755);
  return {
    path: `${dir}:${process.env.PATH ?? ''}`,
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as string[])
  };
}

const CONTEXT_NAMES = [
  'vars',
  'secrets',
  'env',
  'inputs',
  'github',
  'steps',
  'needs',
  'job',
  'runner'
];

/** Evaluate one workflow expression the way the runner does (@actions/expressions). */
export function evaluateExpression(
  expression: string,
  context: Record<string, unknown>
): data.ExpressionData {
  const lexed = new Lexer(expression).lex();
  const parsed = new Parser(lexed.tokens, CONTEXT_NAMES, []).parse();
  const dictionary = JSON.parse(JSON.stringify(context), data.reviver) as data.Dictionary;
  return new Evaluator(parsed, dictionary).evaluate();
}

/** Replace every ${{ … }} in a workflow value the way the runner does. */
export function interpolate(value: unknown, context: Record<string, unknown>): string {
  return String(value).replace(/\$\{\{\s*(.+?)\s*\}\}/g, (_, expression: string) =>
    evaluateExpression(expression, context).coerceString()
  );
}

/** Executables on a PATH for a replayed step: name → shell script body (`$@` are its arguments). */
export function fakeCommands(commands: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'fake-commands-'));
  for (const [name, body] of Object.entries(commands)) {
    writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${body}\n`);
    chmodSync(path.join(dir, name), 0o755);
  }
  return dir;
}
