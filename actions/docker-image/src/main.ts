import * as core from '@actions/core';
import { ConfigurationError } from '../../shared/src/errors.js';
import {
  getBooleanInput,
  getChoiceInput,
  getKeyValueInput,
  getListInput,
  getOptionalInput,
  getRequiredInput
} from '../../shared/src/inputs.js';
import { appendSummary } from '../../shared/src/summary.js';
import { Env, Input, PlanOutput, ReportOutput } from './constants.js';
import { parseImageName, parseRegistry } from './image-name.js';
import { planBuild } from './plan.js';
import type { PlanInputs, PushMode, RunContext } from './plan.js';
import { buildReport } from './report.js';
import { validateExtraTags } from './tags.js';

/** Read and validate every input of the plan step (nothing else reads inputs). */
export function readPlanInputs(): PlanInputs {
  const image = parseImageName(Input.Image, getRequiredInput(Input.Image));
  const registryInput = getOptionalInput(Input.Registry);
  const extraLabels = getKeyValueInput(Input.Labels);
  for (const key of Object.keys(extraLabels)) {
    if (!/^[a-z0-9]+([.-][a-z0-9]+)*$/.test(key)) {
      throw new ConfigurationError(
        `Input "labels" has an invalid label key "${key}" (lower-case, dot-separated, e.g. org.example.team).`
      );
    }
  }
  return {
    image,
    registry:
      registryInput === undefined ? undefined : parseRegistry(Input.Registry, registryInput),
    // The password itself never reaches this step: action.yml says only whether one was given.
    hasCredentials:
      getOptionalInput(Input.Username) !== undefined && process.env[Env.HasPassword] === 'true',
    context: getOptionalInput(Input.Context) ?? '.',
    dockerfile: getOptionalInput(Input.Dockerfile) ?? 'Dockerfile',
    push: getChoiceInput<PushMode>(Input.Push, ['auto', 'true', 'false'], 'auto'),
    latest: getBooleanInput(Input.Latest, false),
    extraTags: validateExtraTags(Input.Tags, getListInput(Input.Tags)),
    extraLabels,
    description: getOptionalInput(Input.Description),
    cacheScope: getOptionalInput(Input.CacheScope),
    platforms: getListInput(Input.Platforms).length
      ? getListInput(Input.Platforms)
      : ['linux/amd64'],
    provenance: getBooleanInput(Input.Provenance, true),
    sbom: getBooleanInput(Input.Sbom, true),
    attest: getBooleanInput(Input.Attest, false)
  };
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '')
    throw new Error(`${name} is not set (not running in a workflow?).`);
  return value;
}

/** The workflow run's context, from the variables the runner sets. */
export function readRunContext(): RunContext {
  return {
    sha: requiredEnv('GITHUB_SHA'),
    ref: process.env.GITHUB_REF ?? '',
    eventName: process.env.GITHUB_EVENT_NAME ?? '',
    serverUrl: process.env.GITHUB_SERVER_URL ?? 'https://github.com',
    repository: requiredEnv('GITHUB_REPOSITORY'),
    workspace: process.env.GITHUB_WORKSPACE ?? process.cwd(),
    now: new Date()
  };
}

function planStep(): void {
  const plan = planBuild(readPlanInputs(), readRunContext());
  core.setOutput(PlanOutput.Image, plan.image);
  core.setOutput(PlanOutput.Registry, plan.registry);
  core.setOutput(PlanOutput.Login, String(plan.login));
  core.setOutput(PlanOutput.Push, String(plan.push));
  core.setOutput(PlanOutput.Tags, plan.fullTags.join('\n'));
  core.setOutput(
    PlanOutput.Labels,
    Object.entries(plan.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join('\n')
  );
  core.setOutput(PlanOutput.Version, plan.version);
  core.setOutput(PlanOutput.CacheFrom, plan.cacheFrom);
  core.setOutput(PlanOutput.CacheTo, plan.cacheTo);
  core.setOutput(PlanOutput.Platforms, plan.platforms.join(','));
  core.setOutput(PlanOutput.Provenance, plan.provenance);
  core.setOutput(PlanOutput.Sbom, String(plan.sbom));
  core.setOutput(PlanOutput.Context, plan.context);
  core.setOutput(PlanOutput.Dockerfile, plan.dockerfile);
  core.setOutput(PlanOutput.Attest, String(plan.attest));
  core.setOutput(PlanOutput.AttestationSubject, plan.attestationSubject);
  core.info(`${plan.push ? 'Building and pushing' : 'Building (not pushing)'} ${plan.image}`);
  for (const tag of plan.fullTags) core.info(`  tag ${tag}`);
}

async function reportStep(): Promise<void> {
  const report = buildReport({
    image: requiredEnv(Env.PlanImage),
    tags: (process.env[Env.PlanTags] ?? '').split('\n').filter(Boolean),
    push: process.env[Env.PlanPush] === 'true',
    platforms: (process.env[Env.PlanPlatforms] ?? '').split(',').filter(Boolean),
    digest: (process.env[Env.BuildDigest] ?? '').trim(),
    attestedIn:
      process.env[Env.PlanAttest] === 'true' ? requiredEnv('GITHUB_REPOSITORY') : undefined
  });
  core.setOutput(ReportOutput.Image, report.imageRef);
  core.setOutput(ReportOutput.Digest, report.digest);
  core.setOutput(ReportOutput.Tags, process.env[Env.PlanTags] ?? '');
  if (report.imageRef) core.info(`Pushed ${report.imageRef}`);
  if (!(await appendSummary(report.markdown))) core.info(report.markdown);
}

/**
 * The typed part of the composite action, run twice by action.yml: first (`plan`) to validate
 * the inputs and decide tags, labels and cache; last (`report`) to output the pushed digest.
 */
export async function main(): Promise<void> {
  const step = process.env[Env.Step] ?? 'plan';
  if (step === 'plan') {
    planStep();
    return;
  }
  if (step === 'report') return reportStep();
  throw new Error(`${Env.Step} must be plan or report, got "${step}".`);
}
