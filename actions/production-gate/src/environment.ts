import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { retryWithBackoff } from '../../shared/src/retry.js';
import { REQUIRED_PERMISSION } from './constants.js';

/**
 * Reading a deployment environment and its branch policies from GitHub's REST API:
 *   GET /repos/{owner}/{repo}/environments/{environment_name}
 *   GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies
 * Both need "Actions" read on a fine-grained or installation token (the workflow's token:
 * `permissions: actions: read`). The answers are checked field by field rather than trusted.
 */

/** The subset of octokit this module calls; tests pass a plain object. */
export interface EnvironmentsApi {
  request(route: string, params: Record<string, unknown>): Promise<{ data: unknown }>;
  paginate(route: string, params: Record<string, unknown>): Promise<unknown[]>;
}

/** GitHub's deployment_branch_policy: null means every branch may deploy. */
export type BranchPolicySetting = {
  protectedBranches: boolean;
  customBranchPolicies: boolean;
} | null;

/** One entry of "Selected branches and tags". */
export interface BranchPolicyEntry {
  id: number | undefined;
  name: string;
  /** Policies made before tag rules existed carry no type; they are branch rules. */
  type: 'branch' | 'tag';
}

export interface Reviewer {
  type: 'User' | 'Team';
  /** A user's login or a team's slug. */
  name: string;
}

/** What the gate knows about the environment. */
export interface EnvironmentFacts {
  name: string;
  htmlUrl: string | undefined;
  branchPolicy: BranchPolicySetting;
  /** Only read when branchPolicy.customBranchPolicies is true. */
  entries: BranchPolicyEntry[];
  reviewers: Reviewer[];
  /** Minutes; 0 when there is no wait timer. */
  waitTimer: number;
  preventSelfReview: boolean;
}

export interface Target {
  owner: string;
  repo: string;
  environment: string;
}

interface HttpErrorShape {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined> };
}

function status(error: unknown): number | undefined {
  const s = (error as HttpErrorShape | undefined)?.status;
  return typeof s === 'number' ? s : undefined;
}

/** GitHub answers a spent rate limit with 403 (or 429); that is not a missing permission. */
function isRateLimit(error: unknown): boolean {
  const e = error as HttpErrorShape | undefined;
  const remaining = e?.response?.headers?.['x-ratelimit-remaining'];
  return status(error) === 429 || String(remaining) === '0' || /rate limit/i.test(e?.message ?? '');
}

/** Outages and dropped connections are worth a few retries; answers about us are not. */
export function isRetryable(error: unknown): boolean {
  const s = status(error);
  return s === undefined || s >= 500;
}

/** GitHub's own words, without octokit's " - https://docs.github.com/…" suffix. */
function githubSaid(error: unknown): string {
  return errorMessage(error).replace(/ - https:\/\/docs\.github\.com\S*$/, '');
}

/** Turn 401/403 into what to put in the workflow; undefined for anything else. */
export function explainRefusal(error: unknown, target: Target): string | undefined {
  const s = status(error);
  const where = `the environment "${target.environment}" of ${target.owner}/${target.repo}`;
  if (s === 401) {
    return (
      `GitHub refused the token (401: ${githubSaid(error)}) when reading ${where}. Leave the ` +
      'input "github-token" unset so the workflow\'s own token (github.token) is used, or pass ' +
      'one that has not expired or been revoked.'
    );
  }
  if (s === 403 && !isRateLimit(error)) {
    return (
      `The workflow's token may not read ${where} (403: ${githubSaid(error)}). Add the ` +
      `permission to the job that runs this step:\n` +
      `  permissions:\n    ${REQUIRED_PERMISSION}\n` +
      '    contents: read # keep it if the job checks out the repository\n' +
      'A job that lists permissions gets only those; reading an environment and its deployment ' +
      `branch policies needs "${REQUIRED_PERMISSION}". A personal or app token needs the ` +
      'repository permission "Actions: read" (classic tokens: the "repo" scope).'
    );
  }
  return undefined;
}

/** Said when the environment does not exist (404). */
export function missingEnvironmentMessage(target: Target, branch: string): string {
  return (
    `The environment "${target.environment}" does not exist in ${target.owner}/${target.repo} ` +
    '(GitHub answered 404). Create it before deploying: Settings → Environments → New ' +
    `environment → "${target.environment}"; then Settings → Environments → ` +
    `${target.environment} → Deployment branches and tags → Selected branches and tags → ` +
    `Add deployment branch or tag rule → Ref type: Branch, name pattern: ${branch}. Without ` +
    `it, GitHub creates an unprotected "${target.environment}" environment the first time a ` +
    'job names it — one that every branch can deploy to. (A 404 also comes from a token that ' +
    'cannot see the repository at all.)'
  );
}

function asRecord(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

/** Parse GitHub's environment object; exported for tests of odd answers. */
export function parseEnvironment(data: unknown): Omit<EnvironmentFacts, 'entries'> {
  const env = asRecord(data);
  const policy = env.deployment_branch_policy;
  const branchPolicy: BranchPolicySetting =
    policy === null || policy === undefined
      ? null
      : {
          protectedBranches: asRecord(policy).protected_branches === true,
          customBranchPolicies: asRecord(policy).custom_branch_policies === true
        };
  const reviewers: Reviewer[] = [];
  let waitTimer = 0;
  let preventSelfReview = false;
  const rules = Array.isArray(env.protection_rules) ? env.protection_rules : [];
  for (const raw of rules) {
    const rule = asRecord(raw);
    if (rule.type === 'wait_timer' && typeof rule.wait_timer === 'number') {
      waitTimer = rule.wait_timer;
    }
    if (rule.type === 'required_reviewers') {
      preventSelfReview = rule.prevent_self_review === true;
      for (const entry of Array.isArray(rule.reviewers) ? rule.reviewers : []) {
        const { type, reviewer } = asRecord(entry);
        const who = asRecord(reviewer);
        if (type === 'Team' && typeof who.slug === 'string') {
          reviewers.push({ type: 'Team', name: who.slug });
        } else if (typeof who.login === 'string') {
          reviewers.push({ type: 'User', name: who.login });
        }
      }
    }
  }
  return {
    name: typeof env.name === 'string' ? env.name : '',
    htmlUrl: typeof env.html_url === 'string' ? env.html_url : undefined,
    branchPolicy,
    reviewers,
    waitTimer,
    preventSelfReview
  };
}

/** Parse the entries of "List deployment branch policies" (already flattened by paginate). */
export function parseEntries(items: readonly unknown[]): BranchPolicyEntry[] {
  return items.map((raw) => {
    const item = asRecord(raw);
    return {
      id: typeof item.id === 'number' ? item.id : undefined,
      name: typeof item.name === 'string' ? item.name : '',
      type: item.type === 'tag' ? 'tag' : 'branch'
    };
  });
}

export interface FetchOptions {
  /** Overall limit for retries of outages (5xx, dropped connections). */
  deadlineMs?: number;
  sleep?: (ms: number) => Promise<void>;
  log?: (line: string) => void;
}

/**
 * The environment and, when it uses "Selected branches and tags", every policy entry.
 * Returns undefined when the environment does not exist; throws a ConfigurationError saying
 * which permission to add when the token is refused.
 */
export async function fetchEnvironment(
  api: EnvironmentsApi,
  target: Target,
  options: FetchOptions = {}
): Promise<EnvironmentFacts | undefined> {
  const params = {
    owner: target.owner,
    repo: target.repo,
    environment_name: target.environment
  };
  const call = <T>(what: string, operation: () => Promise<T>): Promise<T> =>
    retryWithBackoff(operation, {
      deadlineMs: options.deadlineMs ?? 20_000,
      baseDelayMs: 1000,
      isRetryable,
      ...(options.sleep ? { sleep: options.sleep } : {}),
      onRetry: (error, attempt, delay) =>
        options.log?.(`${what}: ${githubSaid(error)}; retry ${attempt} in ${delay} ms`)
    }).catch((error: unknown) => {
      const refusal = explainRefusal(error, target);
      if (refusal) throw new ConfigurationError(refusal);
      throw error;
    });

  let environment: Omit<EnvironmentFacts, 'entries'>;
  try {
    const { data } = await call('GET environment', () =>
      api.request('GET /repos/{owner}/{repo}/environments/{environment_name}', params)
    );
    environment = parseEnvironment(data);
  } catch (error) {
    if (status(error) === 404) return undefined;
    if (error instanceof ConfigurationError) throw error;
    throw new Error(`Could not read the environment "${target.environment}": ${githubSaid(error)}`);
  }

  let entries: BranchPolicyEntry[] = [];
  if (environment.branchPolicy?.customBranchPolicies) {
    try {
      const items = await call('GET deployment-branch-policies', () =>
        api.paginate(
          'GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies',
          { ...params, per_page: 100 }
        )
      );
      entries = parseEntries(items);
    } catch (error) {
      if (error instanceof ConfigurationError) throw error;
      throw new Error(
        `Could not list the deployment branch policies of "${target.environment}": ` +
          githubSaid(error)
      );
    }
  }
  return { ...environment, entries };
}
