import * as core from '@actions/core';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import { appendSummary, cell, formatDuration, markdownTable } from '../../shared/src/summary.js';
import { Output } from './constants.js';
import { enforceDestroyGuard, guardedDeletions } from './destroy-guard.js';
import { type TerraformInputs, readInputs } from './inputs.js';
import { isStalePlanError, plainDiagnostics } from './lock.js';
import { parseOutputsJson, publishOutputs } from './outputs.js';
import { checkPlanMeta, sha256File, writePlanMeta } from './plan-meta.js';
import { parsePlanJson, summarizePlan, type PlanSummary } from './plan-json.js';
import { planHeadline, planMarkdown } from './plan-summary.js';
import { TerraformCli } from './terraform-cli.js';

/** The root's path as written in the workflow (relative to the workspace), for messages. */
function rootName(inputs: TerraformInputs): string {
  const base = process.env.GITHUB_WORKSPACE ?? process.cwd();
  return path.relative(base, inputs.workingDirectory) || '.';
}

async function init(tf: TerraformCli, inputs: TerraformInputs): Promise<void> {
  const backend = Object.entries(inputs.backendConfig).map(([k, v]) => `-backend-config=${k}=${v}`);
  await tf.runOrThrow(['init', '-input=false', '-no-color', ...backend], 'terraform init');
}

async function checkFormat(tf: TerraformCli): Promise<void> {
  const result = await tf.run(['fmt', '-check', '-recursive', '-no-color']);
  if (result.exitCode === 0) return;
  const files = result.stdout.trim().split('\n').filter(Boolean);
  if (result.exitCode === 3 && files.length) {
    throw new ConfigurationError(
      `These files are not in terraform fmt style: ${files.join(', ')}. Run ` +
        '`terraform fmt -recursive` and commit the result (or set "fmt-check: false").'
    );
  }
  tf.fail(result, 'terraform fmt -check');
}

async function showPlan(tf: TerraformCli, planFile: string): Promise<[PlanSummary, string]> {
  const json = await tf.runOrThrow(['show', '-json', planFile], 'terraform show -json', {
    quiet: true
  });
  const summary = summarizePlan(parsePlanJson(json.stdout));
  const text = await tf.runOrThrow(['show', '-no-color', planFile], 'terraform show', {
    quiet: true
  });
  return [summary, text.stdout];
}

/** init, fmt -check, validate, plan -out, and a summary of what the plan would do. */
export async function runPlan(inputs: TerraformInputs): Promise<void> {
  await TerraformCli.ensureInstalled();
  const tf = new TerraformCli(inputs.workingDirectory, inputs.secretVariables, inputs.lockTimeout);
  await tf.runOrThrow(['version'], 'terraform version');
  await init(tf, inputs);
  if (inputs.fmtCheck) await checkFormat(tf);
  if (inputs.validate) await tf.runOrThrow(['validate', '-no-color'], 'terraform validate');

  const variables = Object.entries(inputs.variables).flatMap(([k, v]) => ['-var', `${k}=${v}`]);
  const started = Date.now();
  // -detailed-exitcode: 0 no changes, 2 changes, 1 error.
  const plan = await tf.run([
    'plan',
    '-input=false',
    '-no-color',
    `-lock-timeout=${inputs.lockTimeout}`,
    '-detailed-exitcode',
    `-out=${inputs.planFile}`,
    ...variables
  ]);
  if (plan.exitCode !== 0 && plan.exitCode !== 2) tf.fail(plan, 'terraform plan');
  core.info(`terraform plan took ${formatDuration(Date.now() - started)}`);

  const [summary, text] = await showPlan(tf, inputs.planFile);
  const refused = guardedDeletions(summary, inputs.protectTypes, inputs.allowDestroy);
  await appendSummary(
    planMarkdown(
      `Terraform plan — \`${rootName(inputs)}\``,
      summary,
      text,
      refused.map((c) => c.address)
    )
  );

  const metaFile = writePlanMeta(inputs.planFile, {
    commit: process.env.GITHUB_SHA ?? '',
    runId: process.env.GITHUB_RUN_ID ?? '',
    workingDirectory: rootName(inputs),
    planSha256: sha256File(inputs.planFile),
    createdAt: new Date().toISOString(),
    terraformVersion: summary.terraformVersion,
    add: summary.add,
    change: summary.change,
    destroy: summary.destroy
  });
  core.setOutput(Output.PlanFile, inputs.planFile);
  core.setOutput(Output.PlanMetaFile, metaFile);
  core.setOutput(Output.HasChanges, String(summary.hasChanges));
  core.setOutput(Output.Add, String(summary.add));
  core.setOutput(Output.Change, String(summary.change));
  core.setOutput(Output.Destroy, String(summary.destroy));
  core.setOutput(Output.Replace, String(summary.replace));
  core.info(planHeadline(summary));

  // After the summary, so the refused plan is there to read.
  enforceDestroyGuard(summary, inputs.protectTypes, inputs.allowDestroy);
}

/** Apply exactly the saved plan (after checking it is this run's), then publish the outputs. */
export async function runApply(inputs: TerraformInputs): Promise<void> {
  await TerraformCli.ensureInstalled();
  const meta = checkPlanMeta(inputs.planFile, {
    commit: process.env.GITHUB_SHA,
    workingDirectoryName: rootName(inputs)
  });
  const tf = new TerraformCli(inputs.workingDirectory, inputs.secretVariables, inputs.lockTimeout);
  await init(tf, inputs);
  const [summary] = await showPlan(tf, inputs.planFile);
  enforceDestroyGuard(summary, inputs.protectTypes, inputs.allowDestroy);

  const started = Date.now();
  const apply = await tf.run([
    'apply',
    '-input=false',
    '-no-color',
    `-lock-timeout=${inputs.lockTimeout}`,
    inputs.planFile
  ]);
  if (apply.exitCode !== 0) {
    if (isStalePlanError(apply.stderr)) {
      throw new ConfigurationError(
        `Refusing a stale plan: Terraform says the state changed after the plan was made ` +
          `(commit ${meta.commit}, ${meta.createdAt}), so nothing was applied. Another apply ` +
          'ran in between; run the workflow again to plan from the current state.\n' +
          plainDiagnostics(apply.stderr).join('\n').trim()
      );
    }
    tf.fail(apply, 'terraform apply');
  }

  const output = await tf.runOrThrow(['output', '-json'], 'terraform output -json', {
    quiet: true
  });
  const outputs = parseOutputsJson(output.stdout);
  const published = publishOutputs(outputs);
  const rows = Object.entries(outputs).map(([name, o]) => [
    `\`${name}\``,
    o.sensitive
      ? '(sensitive)'
      : cell(typeof o.value === 'string' ? o.value : JSON.stringify(o.value))
  ]);
  await appendSummary(
    [
      `### Terraform apply — \`${rootName(inputs)}\``,
      '',
      `**Applied the plan from commit \`${meta.commit.slice(0, 12)}\` in ` +
        `${formatDuration(Date.now() - started)}.** ${planHeadline(summary)}`,
      '',
      rows.length ? markdownTable(['Output', 'Value'], rows) : 'The root has no outputs.',
      ''
    ].join('\n')
  );
  core.info(
    `Applied. Outputs: ${published.names.join(', ') || 'none'}` +
      (published.sensitive.length ? ` (sensitive, masked: ${published.sensitive.join(', ')})` : '')
  );
}

/** Read the inputs, then plan or apply. */
export async function main(): Promise<void> {
  const inputs = readInputs();
  await (inputs.mode === 'apply' ? runApply(inputs) : runPlan(inputs));
}
