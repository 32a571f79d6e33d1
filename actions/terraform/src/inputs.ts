import path from 'node:path';
import { ConfigurationError } from '../../shared/src/errors.js';
import {
  getBooleanInput,
  getChoiceInput,
  getKeyValueInput,
  getListInput,
  getOptionalInput,
  resolveExistingPath,
  getRequiredInput
} from '../../shared/src/inputs.js';
import { maskSecret } from '../../shared/src/secrets.js';
import { Input, MODES, type Mode } from './constants.js';

/** Everything the action needs, read and validated before Terraform runs. */
export interface TerraformInputs {
  /** Absolute path of the Terraform root. */
  workingDirectory: string;
  mode: Mode;
  /** Absolute path of the saved plan (written by plan, read by apply). */
  planFile: string;
  /** `-backend-config=KEY=value` pairs for init. */
  backendConfig: Record<string, string>;
  /** Non-secret variables, given as `-var NAME=value`. */
  variables: Record<string, string>;
  /** Secret variables, given only as TF_VAR_<NAME> in Terraform's environment. */
  secretVariables: Record<string, string>;
  /** Terraform duration string (e.g. 5m) to wait for a held state lock. */
  lockTimeout: string;
  fmtCheck: boolean;
  validate: boolean;
  /** Resource types whose deletion (or replacement) is refused. */
  protectTypes: string[];
  /** Resource types or addresses whose deletion is allowed despite protectTypes. */
  allowDestroy: string[];
  /** Token for the pull request comment and the reviewed-plan check (masked). */
  githubToken: string | undefined;
  /** Post the plan as the pull request's plan comment (mode plan, pull_request events). */
  prComment: boolean;
  /** Hold the plan to the one reviewed on the pull request merged as this commit. */
  checkReviewedPlan: boolean;
  /** Refuse a plan with changes when there is no reviewed plan (a direct push). */
  requireReviewedPlan: boolean;
  /** Root variables whose values are not reviewed on the pull request (the images). */
  unreviewedVariables: string[];
  /** The only author whose plan comments are trusted. */
  reviewedPlanAuthor: string;
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const DURATION = /^\d+(ms|s|m|h)$/;
const RESOURCE_TYPE = /^[a-z][a-z0-9_]*$/;

function checkNames(input: string, values: Record<string, string>): void {
  for (const name of Object.keys(values)) {
    if (!VARIABLE_NAME.test(name)) {
      throw new ConfigurationError(
        `Input "${input}": "${name}" is not a Terraform variable name (letters, digits, _ and -).`
      );
    }
  }
}

/** Read and validate every input; secrets are masked as soon as they are read. */
export function readInputs(): TerraformInputs {
  const workingDirectory = resolveExistingPath(
    Input.WorkingDirectory,
    getRequiredInput(Input.WorkingDirectory),
    'directory'
  );
  const mode = getChoiceInput(Input.Mode, MODES, 'plan');
  const planFile = path.resolve(workingDirectory, getOptionalInput(Input.PlanFile) ?? 'tfplan');

  const backendConfig = getKeyValueInput(Input.BackendConfig);
  const variables = getKeyValueInput(Input.Variables);
  checkNames(Input.Variables, variables);
  const secretVariables = getKeyValueInput(Input.SecretVariables);
  checkNames(Input.SecretVariables, secretVariables);
  for (const value of Object.values(secretVariables)) maskSecret(value);
  for (const name of Object.keys(secretVariables)) {
    if (name in variables) {
      throw new ConfigurationError(
        `Variable "${name}" is in both "${Input.Variables}" and "${Input.SecretVariables}"; ` +
          'give it once.'
      );
    }
  }

  const lockTimeout = getOptionalInput(Input.LockTimeout) ?? '5m';
  if (!DURATION.test(lockTimeout)) {
    throw new ConfigurationError(
      `Input "${Input.LockTimeout}" must be a duration such as 90s or 5m, got "${lockTimeout}".`
    );
  }

  const protectTypes = getListInput(Input.ProtectTypes);
  for (const type of protectTypes) {
    if (!RESOURCE_TYPE.test(type)) {
      throw new ConfigurationError(
        `Input "${Input.ProtectTypes}" must list resource types such as aws_db_instance, got "${type}".`
      );
    }
  }

  // A saved plan already holds its variables: Terraform refuses -var with a plan file.
  if (mode === 'apply' && Object.keys(variables).length > 0) {
    throw new ConfigurationError(
      `Input "${Input.Variables}" cannot be used with mode: apply — the saved plan already ` +
        'holds the variables it was made with.'
    );
  }

  const prComment = getBooleanInput(Input.PrComment, false);
  const checkReviewedPlan = getBooleanInput(Input.CheckReviewedPlan, false);
  const githubToken = getOptionalInput(Input.GitHubToken);
  if (githubToken) maskSecret(githubToken);
  if ((prComment || checkReviewedPlan) && !githubToken) {
    throw new ConfigurationError(
      `Input "${Input.GitHubToken}" is empty: "${prComment ? Input.PrComment : Input.CheckReviewedPlan}" ` +
        'talks to GitHub with it (its default is the workflow token, ${{ github.token }}).'
    );
  }
  if (prComment && mode === 'apply') {
    throw new ConfigurationError(
      `Input "${Input.PrComment}" is for mode: plan (the pull request shows the plan; apply runs after the merge).`
    );
  }
  const unreviewedVariables = getListInput(Input.UnreviewedVariables);
  for (const name of unreviewedVariables) {
    if (!VARIABLE_NAME.test(name)) {
      throw new ConfigurationError(
        `Input "${Input.UnreviewedVariables}" must list Terraform variable names, got "${name}".`
      );
    }
  }
  const reviewedPlanAuthor = getOptionalInput(Input.ReviewedPlanAuthor) ?? 'github-actions[bot]';
  if (!reviewedPlanAuthor.endsWith('[bot]')) {
    // A person's comment can say anything; only an automation's token writes plan comments.
    throw new ConfigurationError(
      `Input "${Input.ReviewedPlanAuthor}" must be a bot (e.g. github-actions[bot], or your app's <name>[bot]), got "${reviewedPlanAuthor}".`
    );
  }

  return {
    workingDirectory,
    mode,
    planFile,
    backendConfig,
    variables,
    secretVariables,
    lockTimeout,
    fmtCheck: getBooleanInput(Input.FmtCheck, true),
    validate: getBooleanInput(Input.Validate, true),
    // The empty-input default protects the database; "protect-types: none" is not offered on
    // purpose — list the types you allow in allow-destroy instead.
    protectTypes: protectTypes.length > 0 ? protectTypes : ['aws_db_instance'],
    allowDestroy: getListInput(Input.AllowDestroy),
    githubToken,
    prComment,
    checkReviewedPlan,
    requireReviewedPlan: getBooleanInput(Input.RequireReviewedPlan, false),
    unreviewedVariables,
    reviewedPlanAuthor
  };
}
