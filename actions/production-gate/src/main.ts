import * as core from '@actions/core';
import { getOctokit } from '@actions/github';
import { ConfigurationError } from '../../shared/src/errors.js';
import { appendSummary } from '../../shared/src/summary.js';
import { Output } from './constants.js';
import {
  type EnvironmentsApi,
  type FetchOptions,
  type Target,
  fetchEnvironment,
  missingEnvironmentMessage
} from './environment.js';
import { type GateInputs, readInputs } from './inputs.js';
import {
  errorSummary,
  overrideBanner,
  reviewerList,
  summary,
  unprotectedMessage
} from './report.js';
import { judge } from './verdict.js';

/**
 * Ask GitHub whether the environment lets only the deploy branch deploy; fail with the exact
 * settings when it does not, unless the override is set, which then heads the summary.
 */
export async function run(
  inputs: GateInputs,
  api: EnvironmentsApi,
  options: FetchOptions = {}
): Promise<void> {
  const target: Target = {
    owner: inputs.owner,
    repo: inputs.repo,
    environment: inputs.environment
  };
  core.info(`Reading the environment "${target.environment}" of ${target.owner}/${target.repo}.`);

  let facts;
  try {
    facts = await fetchEnvironment(api, target, { log: (line) => core.info(line), ...options });
  } catch (error) {
    if (error instanceof ConfigurationError) {
      core.setOutput(Output.Protected, 'false');
      await appendSummary(errorSummary(target, 'could not read the environment', error.message));
    }
    throw error;
  }
  if (facts === undefined) {
    const message = missingEnvironmentMessage(target, inputs.branch);
    core.setOutput(Output.Protected, 'false');
    core.setOutput(Output.Reviewers, '');
    core.setOutput(Output.WaitTimer, '0');
    await appendSummary(errorSummary(target, 'environment missing', message));
    throw new ConfigurationError(message);
  }

  const verdict = judge(facts, inputs.branch);
  core.setOutput(Output.Protected, String(verdict.protected));
  core.setOutput(Output.Reviewers, reviewerList(facts.reviewers));
  core.setOutput(Output.WaitTimer, String(facts.waitTimer));
  core.info(`Branch policy: ${verdict.policy}`);

  if (verdict.protected) {
    core.info(`Only ${inputs.branch} can deploy to "${target.environment}".`);
    await appendSummary(summary(target, inputs.branch, facts, verdict, 'protected'));
    return;
  }
  if (inputs.allowUnprotected) {
    await appendSummary(summary(target, inputs.branch, facts, verdict, 'overridden'));
    core.warning(
      `${overrideBanner(target, inputs.branch).replace(/\*\*/g, '')} Why: ${verdict.problem}.`
    );
    return;
  }
  await appendSummary(summary(target, inputs.branch, facts, verdict, 'refused'));
  throw new ConfigurationError(unprotectedMessage(target, inputs.branch, facts, verdict));
}

/** Read the inputs, then run with the workflow's token. */
export async function main(): Promise<void> {
  const inputs = readInputs();
  const api: EnvironmentsApi = getOctokit(inputs.token, { baseUrl: inputs.apiUrl });
  await run(inputs, api);
}
