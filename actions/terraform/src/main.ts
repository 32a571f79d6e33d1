import * as core from '@actions/core';
import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import { appendSummary, cell, formatDuration, markdownTable } from '../../shared/src/summary.js';
import { Input, Output } from './constants.js';
import { enforceDestroyGuard, guardedDeletions } from './destroy-guard.js';
import { type TerraformInputs, readInputs } from './inputs.js';
import { isStalePlanError, plainDiagnostics } from './lock.js';
import { parseOutputsJson, publishOutputs } from './outputs.js';
import { checkPlanMeta, sha256File, writePlanMeta } from './plan-meta.js';
import { parsePlanJson, summarizePlan, type PlanDocument, type PlanSummary } from './plan-json.js';
import { fingerprintPlan, type Fingerprint } from './fingerprint.js';
import { currentRepository, gitHubApi, pullRequestEvent, upsertComment } from './github.js';
import {
  commentMarker,
  failedPlanCommentBody,
  planCommentBody,
  type CommentContext
} from './plan-comment.js';
import { checkReviewedPlan, verdictMarkdown } from './reviewed-plan.js';
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

async function showPlan(
  tf: TerraformCli,
  planFile: string
): Promise<[PlanSummary, string, PlanDocument]> {
  const json = await tf.runOrThrow(['show', '-json', planFile], 'terraform show -json', {
    quiet: true
  });
  const doc = parsePlanJson(json.stdout);
  const summary = summarizePlan(doc);
  const text = await tf.runOrThrow(['show', '-no-color', planFile], 'terraform show', {
    quiet: true
  });
  return [summary, text.stdout, doc];
}

function runUrl(): string {
  const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';
  return `${server}/${process.env.GITHUB_REPOSITORY ?? ''}/actions/runs/${process.env.GITHUB_RUN_ID ?? ''}`;
}

/** Where the pull request comment goes, or undefined (with a notice) when not on a pull request. */
function commentContext(inputs: TerraformInputs): CommentContext | undefined {
  if (!inputs.prComment) return undefined;
  const event = pullRequestEvent();
  if (!event) {
    core.notice(
      `"${Input.PrComment}" is set, but this run is for a ${process.env.GITHUB_EVENT_NAME ?? 'non-pull-request'} event: no comment.`
    );
    return undefined;
  }
  return {
    root: rootName(inputs),
    headSha: event.headSha,
    baseRef: event.baseRef,
    pullRequest: event.number,
    runUrl: runUrl()
  };
}

async function postComment(
  inputs: TerraformInputs,
  ctx: CommentContext,
  body: string
): Promise<string> {
  const posted = await upsertComment(
    gitHubApi(inputs.githubToken ?? ''),
    currentRepository(),
    ctx.pullRequest,
    commentMarker(ctx.root),
    inputs.reviewedPlanAuthor,
    body
  );
  core.info(`${posted.created ? 'Posted' : 'Updated'} the plan comment: ${posted.url}`);
  return posted.url;
}

/**
 * Hold the plan to the one reviewed on the pull request merged as this commit (see
 * reviewed-plan.ts); the verdict goes to the summary before a refusal is thrown.
 */
async function holdToReviewedPlan(
  inputs: TerraformInputs,
  fingerprint: Fingerprint
): Promise<void> {
  const ref = process.env.GITHUB_REF ?? '';
  if (!ref.startsWith('refs/heads/')) {
    throw new ConfigurationError(
      `"${Input.CheckReviewedPlan}" compares a deploy of a branch with its pull request; ` +
        `this run is for ${ref || 'no ref'}.`
    );
  }
  try {
    const { verdict, ignored } = await checkReviewedPlan(
      {
        api: gitHubApi(inputs.githubToken ?? ''),
        repository: currentRepository(),
        commit: process.env.GITHUB_SHA ?? '',
        branch: ref.slice('refs/heads/'.length),
        root: rootName(inputs),
        author: inputs.reviewedPlanAuthor,
        require: inputs.requireReviewedPlan
      },
      fingerprint
    );
    for (const line of ignored) core.warning(`Ignored a plan comment: ${line}`);
    if (verdict.status === 'unreviewed') core.warning(verdict.reason);
    core.setOutput(Output.ReviewedPlan, verdict.status);
    await appendSummary(['#### Reviewed plan', '', verdictMarkdown(verdict), ''].join('\n'));
  } catch (error) {
    if (error instanceof ConfigurationError) {
      core.setOutput(Output.ReviewedPlan, 'refused');
      const [headline, ...details] = error.message.split('\n');
      await appendSummary(
        ['#### Reviewed plan', '', `⛔ **Refused.** ${headline}`, '', ...details, ''].join('\n')
      );
    }
    throw error;
  }
}

/** init, fmt -check, validate, plan -out, and a summary of what the plan would do. */
export async function runPlan(inputs: TerraformInputs): Promise<void> {
  const comment = commentContext(inputs);
  const progress = { commented: false };
  try {
    await plan(inputs, comment, progress);
  } catch (error) {
    // A plan that failed before its comment replaces the last push's comment: that one's
    // fingerprint is for an older head. Once the comment is posted (or posting it failed),
    // it stays: it already says why the plan is refused.
    if (comment && !progress.commented) {
      await postComment(inputs, comment, failedPlanCommentBody(comment)).catch((e: unknown) =>
        core.warning(`Could not mark the plan comment as failed: ${(e as Error).message}`)
      );
    }
    throw error;
  }
}

async function plan(
  inputs: TerraformInputs,
  comment: CommentContext | undefined,
  progress: { commented: boolean }
): Promise<void> {
  await TerraformCli.ensureInstalled();
  const tf = new TerraformCli(inputs.workingDirectory, inputs.secretVariables, inputs.lockTimeout);
  await tf.runOrThrow(['version'], 'terraform version');
  await init(tf, inputs);
  if (inputs.fmtCheck) await checkFormat(tf);
  if (inputs.validate) await tf.runOrThrow(['validate', '-no-color'], 'terraform validate');

  const variables = Object.entries(inputs.variables).flatMap(([k, v]) => ['-var', `${k}=${v}`]);
  const started = Date.now();
  // -detailed-exitcode: 0 no changes, 2 changes, 1 error.
  const result = await tf.run([
    'plan',
    '-input=false',
    '-no-color',
    `-lock-timeout=${inputs.lockTimeout}`,
    '-detailed-exitcode',
    `-out=${inputs.planFile}`,
    ...variables
  ]);
  if (result.exitCode !== 0 && result.exitCode !== 2) tf.fail(result, 'terraform plan');
  core.info(`terraform plan took ${formatDuration(Date.now() - started)}`);

  const [summary, text, doc] = await showPlan(tf, inputs.planFile);
  const fingerprint = fingerprintPlan(doc, inputs.unreviewedVariables);
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
  core.setOutput(Output.Fingerprint, fingerprint.digest);
  core.info(planHeadline(summary));

  if (comment) {
    const body = planCommentBody(comment, summary, text, fingerprint, {
      protectTypes: inputs.protectTypes,
      refused: refused.map((c) => c.address)
    });
    progress.commented = true;
    core.setOutput(Output.CommentUrl, await postComment(inputs, comment, body));
  }
  if (inputs.checkReviewedPlan) await holdToReviewedPlan(inputs, fingerprint);

  // After the summary (and the comment), so the refused plan is there to read.
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
  const [summary, , doc] = await showPlan(tf, inputs.planFile);
  enforceDestroyGuard(summary, inputs.protectTypes, inputs.allowDestroy);
  if (inputs.checkReviewedPlan) {
    await holdToReviewedPlan(inputs, fingerprintPlan(doc, inputs.unreviewedVariables));
  }

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
