import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client
} from '@aws-sdk/client-ec2';
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { DescribeParametersCommand, SSMClient } from '@aws-sdk/client-ssm';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { installStandInTerraform } from '../kit/stand-ins/terraform-cli.js';
import { startLoadBalancer, type LoadBalancerStandIn } from '../kit/stand-ins/load-balancer.js';
import { repoRoot, runBundle } from '../kit/action-bundle.js';
import { createMotoKmsKey, startMoto, type MotoServer } from '../kit/stand-ins/moto.js';
import { startGitHubStandIn, type GitHubStandIn } from '../kit/stand-ins/github-api.js';
import { startOidcTokenServer, type OidcTokenServer } from '../kit/stand-ins/oidc-token-server.js';
import {
  startRefreshStandIn,
  type RefreshStandIn
} from '../../actions/instance-refresh/__tests__/support/refresh-stand-in.js';
import { evaluateExpression, ghStandIn, interpolate, type GhAnswer } from './support/run-step.js';
import { readWorkflow, type Job } from './support/workflow-files.js';

// Replays deploy.yml's gate, plan, deploy and summary jobs on this machine. Every step that
// uses one of this repository's actions runs from its committed bundle with the `with:` inputs
// exactly as deploy.yml writes them, their ${{ }} expressions evaluated by GitHub's own
// expression engine (@actions/expressions) against vars, env, steps and needs filled from the
// earlier steps' real outputs; the summary job's script runs under bash. Each job gets a fresh
// workspace, and the plan travels to the apply job only through the upload/download-artifact
// steps' names and paths, as on GitHub; `run:` steps run under bash as the runner runs them.
// Stand-ins: moto (STS, EC2, SSM, KMS, ELBv2, Auto Scaling) with the instance refresh moto lacks
// in front of it (actions/instance-refresh's refresh stand-in, its checkpoint delays at 1/100 of
// real time), the OIDC token service, GitHub's REST API (the production environment), a stand-in
// terraform and a load balancer. The one input changed is time: instance-refresh polls every
// second instead of its default 15. Steps this machine cannot run are listed by name.

const SHA = '0123456789abcdef0123456789abcdef01234567'; // runBundle's GITHUB_SHA
const TERRAFORM_FIXTURES = path.join(repoRoot, 'actions/terraform/__tests__/fixtures');
const DIGEST = (c: string): string => `sha256:${c.repeat(64)}`;
const IMAGES = {
  'backend-image': `docker.io/octo/ecommerce-backend@${DIGEST('a')}`,
  'frontend-image': `docker.io/octo/ecommerce-frontend@${DIGEST('f')}`
};
type Plain = Record<string, unknown>;

function condition(value: string | undefined, context: Plain): boolean {
  if (value === undefined) return true;
  const expression = /^\$\{\{\s*(.+?)\s*\}\}$/.exec(value.trim())?.[1] ?? value;
  const result = evaluateExpression(expression, context);
  return result.primitive
    ? Boolean(
        result.coerceString() !== '' &&
        result.coerceString() !== 'false' &&
        result.coerceString() !== '0'
      )
    : true;
}

let moto: MotoServer;
let github: GitHubStandIn;
let tokens: OidcTokenServer;
let lb: LoadBalancerStandIn;
let refresh: RefreshStandIn;
let targetGroupArn = '';
let launchTemplateId = '';
let vpcId = '';
/** Whether a replayed apply has made launch template version 2 (this deploy's images). */
let released = false;
const GROUPS = ['ecommerce-app-az1', 'ecommerce-app-az2'];
/** The servers the groups ran before the deploy (launch template version 1). */
const before: string[] = [];
const AWS_CONFIG = (endpoint: string) => ({
  region: 'us-east-1',
  endpoint,
  credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }
});

async function groupInstances(): Promise<{ id: string; group: string; version?: string }[]> {
  const autoscaling = new AutoScalingClient(AWS_CONFIG(moto.endpoint));
  const found = await autoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: GROUPS })
  );
  autoscaling.destroy();
  return (found.AutoScalingGroups ?? []).flatMap((g) =>
    (g.Instances ?? []).map((i) => ({
      id: i.InstanceId ?? '',
      group: g.AutoScalingGroupName ?? '',
      version: refresh.versions.get(i.InstanceId ?? '') ?? i.LaunchTemplate?.Version
    }))
  );
}

beforeAll(async () => {
  [moto, tokens, lb, github] = await Promise.all([
    startMoto(),
    startOidcTokenServer(),
    startLoadBalancer({ healthyAfterMs: 1500 }),
    startGitHubStandIn()
  ]);
  // The production environment as docs/deploy.md asks: only main may deploy.
  github.environments.set('production', {
    deployment_branch_policy: { protected_branches: false, custom_branch_policies: true },
    branch_policies: [{ id: 1, name: 'main', type: 'branch' }]
  });
  // What Terraform made before this deploy (terraform/modules/ec2, load): the launch template at
  // version 1, with version 2 (this deploy's images) written by the apply below; one group per
  // zone at version 1, tagged as the module tags them, in the load balancer's target group.
  const ec2 = new EC2Client(AWS_CONFIG(moto.endpoint));
  const elb = new ElasticLoadBalancingV2Client(AWS_CONFIG(moto.endpoint));
  const autoscaling = new AutoScalingClient(AWS_CONFIG(moto.endpoint));
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const tg = await elb.send(
    new CreateTargetGroupCommand({
      Name: 'ecommerce-alb-app',
      Protocol: 'HTTP',
      Port: 3000,
      VpcId: vpc.Vpc?.VpcId,
      TargetType: 'instance'
    })
  );
  targetGroupArn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
  vpcId = vpc.Vpc?.VpcId ?? '';
  const template = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: 'ecommerce-app',
      LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.small' }
    })
  );
  launchTemplateId = template.LaunchTemplate?.LaunchTemplateId ?? '';
  for (const [index, zone] of ['az1', 'az2'].entries()) {
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.Vpc?.VpcId,
        CidrBlock: `10.0.${index + 3}.0/24`,
        AvailabilityZone: `us-east-1${'ab'[index]}`
      })
    );
    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: `ecommerce-app-${zone}`,
        LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '1' },
        MinSize: 1,
        DesiredCapacity: 1,
        MaxSize: 3,
        VPCZoneIdentifier: subnet.Subnet?.SubnetId,
        TargetGroupARNs: [targetGroupArn],
        HealthCheckType: 'ELB',
        HealthCheckGracePeriod: 600,
        Tags: [
          ['Project', 'ecommerce'],
          ['Role', 'app'],
          ['Name', `ecommerce_app_${zone}`]
        ].map(([Key, Value]) => ({ Key, Value, PropagateAtLaunch: true }))
      })
    );
  }
  refresh = await startRefreshStandIn(moto.endpoint, {
    // The shop's servers turn healthy at any version; the broken shop's only at version 1.
    healthy: (version, group) => !group.startsWith('broken-') || version === '1',
    targetGroupArns: [targetGroupArn],
    secondMs: 10
  });
  before.push(...(await groupInstances()).map((i) => i.id));
  expect(before).toHaveLength(2);
  // What terraform/bootstrap made: the parameters key.
  await createMotoKmsKey(moto.endpoint, 'alias/ecommerce-parameters');
  ec2.destroy();
  elb.destroy();
  autoscaling.destroy();
}, 60_000);

afterAll(async () => {
  await Promise.all([lb?.stop(), tokens?.stop(), refresh?.stop(), moto?.stop(), github?.close()]);
});

/** The summary job's script under bash, as the runner runs a `run:` step, with deploy.yml's env. */
function runSummary(context: { vars: Plain; github: Plain; needs: Plain; inputs?: Plain }): string {
  const { workflow } = readWorkflow('deploy.yml');
  const summaryStep = (workflow.jobs.summary as Job).steps?.[0];
  const dir = mkdtempSync(path.join(tmpdir(), 'deploy-summary-'));
  const summaryFile = path.join(dir, 'summary.md');
  const summaryEnv = Object.fromEntries(
    Object.entries(summaryStep?.env ?? {}).map(([k, v]) => [
      k,
      interpolate(v, { inputs: {}, ...context, secrets: {}, steps: {}, env: {} })
    ])
  );
  const script = path.join(dir, 'summary.sh');
  writeFileSync(script, summaryStep?.run ?? 'exit 1');
  const bash = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
    env: {
      PATH: process.env.PATH,
      GITHUB_SHA: SHA,
      GITHUB_STEP_SUMMARY: summaryFile,
      ...summaryEnv
    },
    encoding: 'utf8'
  });
  expect(bash.stderr).toBe('');
  expect(bash.status).toBe(0);
  return readFileSync(summaryFile, 'utf8');
}

const REPOSITORY = 'octo-org/ecommerce_docker_deployment'; // runBundle's GITHUB_REPOSITORY
const SIGNER = `https://github.com/${REPOSITORY}/.github/workflows/deploy.yml@refs/heads/main`;
const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
/** What `gh attestation verify` answers for an image this workflow built and attested. */
const attested = (image: string): GhAnswer => ({
  args: new RegExp(
    `^attestation verify ${escape(`oci://${image}`)} --repo ${escape(REPOSITORY)} --cert-identity ${escape(SIGNER)}$`
  ),
  stdout: 'Loaded digest … ✓ Verification succeeded!\n'
});
const ATTESTATIONS = {
  'backend-attestation': `https://github.com/${REPOSITORY}/attestations/101`,
  'frontend-attestation': `https://github.com/${REPOSITORY}/attestations/102`
};
/** The pull request merged as the deploy's commit (runBundle's GITHUB_SHA). */
const PR_HEAD = 'b'.repeat(40);

/** plan-pr.yml's plan step on pull request #7 (head PR_HEAD), its comment in the stand-in. */
async function reviewOnPullRequest(planJson: string): Promise<void> {
  github.pulls.length = 0;
  github.comments.length = 0;
  github.pulls.push({
    number: 7,
    state: 'open',
    merged_at: null,
    merge_commit_sha: null,
    head: { sha: PR_HEAD, ref: 'bigger-servers' },
    base: { ref: 'main' }
  });
  const { workflow } = readWorkflow('plan-pr.yml');
  const step = ((workflow.jobs.plan as Job).steps ?? []).find((s) => s.id === 'plan');
  const ws = mkdtempSync(path.join(tmpdir(), 'plan-pr-replay-'));
  mkdirSync(path.join(ws, 'terraform'));
  writeFileSync(path.join(ws, 'terraform/main.tf'), '# checked out\n');
  const event = path.join(ws, 'event.json');
  writeFileSync(
    event,
    JSON.stringify({ pull_request: { number: 7, head: { sha: PR_HEAD }, base: { ref: 'main' } } })
  );
  const terraform = installStandInTerraform({ planJson }, TERRAFORM_FIXTURES);
  const run = await runBundle('terraform', {
    cwd: ws,
    inputs: {
      'working-directory': 'terraform',
      mode: 'plan',
      'pr-comment': String(step?.with?.['pr-comment']),
      'unreviewed-variables': String(step?.with?.['unreviewed-variables']),
      'github-token': 'ghs_pullRequestToken0123'
    },
    env: {
      ...terraform.env,
      GITHUB_API_URL: github.url,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: event,
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_SHA: '9'.repeat(40)
    }
  });
  expect({ errors: run.errors, exitCode: run.exitCode }).toEqual({ errors: [], exitCode: 0 });
  expect(github.comments).toHaveLength(1);
  // Merged: GitHub's merge commit is the commit the deploy runs for.
  Object.assign(github.pulls[0]!, {
    state: 'closed',
    merged_at: '2026-12-05T10:00:00Z',
    merge_commit_sha: SHA
  });
  github.requests.length = 0;
}

interface Replay {
  ran: string[];
  skipped: string[];
  /** Steps that failed, with what they printed (errors of actions, stdout of `run:` steps). */
  failed: { label: string; output: string }[];
  needs: Record<string, { outputs: Record<string, string>; result: string }>;
  terraform: ReturnType<typeof installStandInTerraform>;
  summary: string;
  gh: ReturnType<typeof ghStandIn>;
  root: string;
}

/**
 * deploy.yml's gate, plan and deploy jobs in order, then the summary job; a failing step fails
 * its job (later steps skipped) and a job whose needs failed is skipped, as on GitHub.
 */
async function replayDeploy(
  options: {
    inputs?: Plain;
    vars?: Plain;
    gh?: GhAnswer[];
    planJson?: string;
    /** The images job's outputs (default: both images built and attested). */
    images?: Record<string, string>;
  } = {}
): Promise<Replay> {
  const { workflow } = readWorkflow('deploy.yml');
  const root = mkdtempSync(path.join(tmpdir(), 'deploy-replay-'));

  // What `terraform output -json` answers after the apply: the root's outputs, pointing at
  // the stand-ins (terraform/outputs.tf's names).
  const outputsFile = path.join(root, 'outputs.json');
  writeFileSync(
    outputsFile,
    JSON.stringify({
      shop_url: { sensitive: false, type: 'string', value: lb.url },
      region: { sensitive: false, type: 'string', value: 'us-east-1' },
      app_autoscaling_group_names: { sensitive: false, type: ['list', 'string'], value: GROUPS },
      launch_template_id: { sensitive: false, type: 'string', value: launchTemplateId },
      // A number, as Terraform's latest_version is.
      launch_template_version: { sensitive: false, type: 'number', value: 2 },
      target_group_arn: {
        sensitive: false,
        type: 'string',
        value: targetGroupArn
      },
      grafana_url: { sensitive: false, type: 'string', value: 'http://203.0.113.10:3000' }
    })
  );
  const terraform = installStandInTerraform(
    { planJson: options.planJson ?? 'aws-image-update.plan.json', outputs: outputsFile },
    TERRAFORM_FIXTURES
  );
  const gh = ghStandIn(options.gh ?? []);

  const vars: Plain = {
    AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/ecommerce-github-deploy',
    DOCKERHUB_USERNAME: 'octo',
    ...options.vars
  };
  const inputs = options.inputs ?? {};
  const githubContext = {
    sha: SHA,
    run_id: '4242',
    run_attempt: '1',
    event_name: 'push',
    event: { repository: { default_branch: 'main' } },
    repository: REPOSITORY,
    server_url: 'https://github.com',
    triggering_actor: 'octocat',
    token: 'ghs_replayToken0123456789'
  };
  const needs: Record<string, { outputs: Record<string, string>; result: string }> = {
    // The images job needs Docker and a registry: its outputs are given, digest-pinned.
    images: { outputs: options.images ?? { ...IMAGES, ...ATTESTATIONS }, result: 'success' }
  };
  const artifacts = new Map<string, string[]>();
  const skipped: string[] = [];
  const ran: string[] = [];
  const failed: Replay['failed'] = [];
  const env = {
    ...tokens.env,
    AWS_ENDPOINT_URL_STS: moto.endpoint,
    AWS_ENDPOINT_URL_EC2: moto.endpoint,
    AWS_ENDPOINT_URL_SSM: moto.endpoint,
    AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: moto.endpoint,
    AWS_ENDPOINT_URL_AUTO_SCALING: refresh.endpoint,
    GITHUB_API_URL: github.url,
    PATH: terraform.env.PATH ?? '',
    TF_STANDIN_DIR: terraform.env.TF_STANDIN_DIR ?? ''
  };

  for (const jobId of ['gate', 'plan', 'deploy'] as const) {
    const job = workflow.jobs[jobId] as Job;
    const workspace = path.join(root, jobId);
    mkdirSync(path.join(workspace, 'terraform'), { recursive: true });
    writeFileSync(path.join(workspace, 'terraform/main.tf'), '# checked out\n');
    const steps: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
    const context = (): Plain => ({
      vars,
      secrets: {},
      inputs,
      github: githubContext,
      needs,
      steps,
      env: jobEnv
    });
    let jobEnv: Record<string, string> = {};
    jobEnv = Object.fromEntries(
      Object.entries({ ...workflow.env, ...job.env }).map(([k, v]) => [
        k,
        interpolate(v, context())
      ])
    );
    const needed = ([] as string[]).concat(job.needs ?? []);
    if (needed.some((n) => needs[n]?.result !== 'success') || !condition(job.if, context())) {
      needs[jobId] = { result: 'skipped', outputs: {} };
      continue;
    }
    let exported: Record<string, string> = {};
    let jobFailed = false;

    for (const step of job.steps ?? []) {
      const label = `${jobId}: ${step.name ?? step.uses ?? step.run?.split('\n')[0]}`;
      if (jobFailed || !condition(step.if, context())) continue;
      const stepInputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([k, v]) => [k, interpolate(v, context())])
      );
      if (step.uses?.startsWith('./actions/')) {
        // Defaults written as expressions (`${{ github.token }}`) are the runner's to evaluate.
        const manifest = parse(
          readFileSync(path.join(repoRoot, step.uses.slice(2), 'action.yml'), 'utf8')
        ) as { inputs?: Record<string, { default?: string }> };
        for (const [name, spec] of Object.entries(manifest.inputs ?? {})) {
          if (!(name in stepInputs) && spec.default?.includes('${{')) {
            stepInputs[name] = interpolate(spec.default, context());
          }
        }
        // Time only: deploy.yml leaves the poll interval at its default (15 s).
        if (step.uses === './actions/instance-refresh') {
          expect(stepInputs['poll-interval-seconds']).toBeUndefined();
          stepInputs['poll-interval-seconds'] = '1';
        }
        const run = await runBundle(step.uses.slice('./actions/'.length), {
          cwd: workspace,
          inputs: stepInputs,
          env: { ...env, ...exported }
        });
        const outcome = run.exitCode === 0 && run.errors.length === 0 ? 'success' : 'failure';
        exported = { ...exported, ...run.exportedEnv };
        if (step.id === 'apply' && outcome === 'success' && !released) {
          // What the real apply does and the stand-in terraform cannot: a new launch template
          // version, whose user data names this run's images (moto takes no user data in a
          // version; the instance type tells the versions apart).
          const ec2 = new EC2Client(AWS_CONFIG(moto.endpoint));
          await ec2.send(
            new CreateLaunchTemplateVersionCommand({
              LaunchTemplateId: launchTemplateId,
              LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.medium' }
            })
          );
          ec2.destroy();
          released = true;
        }
        if (step.id) steps[step.id] = { outputs: run.outputs, outcome };
        ran.push(label);
        if (outcome === 'failure') {
          failed.push({ label, output: run.errors.join('\n') });
          jobFailed = true;
        }
      } else if (step.uses?.startsWith('actions/upload-artifact@')) {
        const files = (stepInputs.path ?? '').split('\n').filter(Boolean);
        artifacts.set(stepInputs.name ?? '', files);
        ran.push(label);
      } else if (step.uses?.startsWith('actions/download-artifact@')) {
        const files = artifacts.get(stepInputs.name ?? '');
        expect({ label, artifact: stepInputs.name, found: files !== undefined }).toEqual({
          label,
          artifact: stepInputs.name,
          found: true
        });
        const target = path.resolve(workspace, stepInputs.path ?? '.');
        for (const file of files ?? []) copyFileSync(file, path.join(target, path.basename(file)));
        ran.push(label);
      } else if (step.run !== undefined) {
        // As the runner runs a `run:` step: the script in a file under bash, its env from the
        // step and the runner's defaults, outputs through GITHUB_OUTPUT; `gh` is the stand-in.
        const script = path.join(workspace, `step-${ran.length}.sh`);
        const outputFile = path.join(workspace, `step-${ran.length}.out`);
        writeFileSync(script, step.run);
        writeFileSync(outputFile, '');
        const stepEnv = Object.fromEntries(
          Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(v, context())])
        );
        const bash = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
          cwd: workspace,
          env: {
            PATH: gh.path,
            GITHUB_OUTPUT: outputFile,
            GITHUB_REPOSITORY: REPOSITORY,
            ...jobEnv,
            ...stepEnv
          },
          encoding: 'utf8'
        });
        const outputs = Object.fromEntries(
          readFileSync(outputFile, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)])
        );
        const outcome = bash.status === 0 ? 'success' : 'failure';
        if (step.id) steps[step.id] = { outputs, outcome };
        ran.push(label);
        if (outcome === 'failure') {
          failed.push({ label, output: bash.stdout + bash.stderr });
          jobFailed = true;
        }
      } else {
        skipped.push(label);
      }
    }
    needs[jobId] = {
      result: jobFailed ? 'failure' : 'success',
      outputs: Object.fromEntries(
        Object.entries(job.outputs ?? {}).map(([k, v]) => [k, interpolate(v, context())])
      )
    };
  }

  const summary = runSummary({ vars, github: githubContext, needs, inputs });
  return { ran, skipped, failed, needs, terraform, summary, gh, root };
}

const RAN_BEFORE_APPLY = [
  'gate: The production environment lets only main deploy',
  "gate: The pipeline's roles",
  'plan: AWS credentials (OIDC)',
  'plan: Terraform plan',
  'plan: Keep the saved plan for the apply job',
  'deploy: AWS credentials (apply role)',
  "deploy: The app's secrets exist (created if missing, never read)"
];
const VERIFY = "deploy: The images are attested by this repository's deploy workflow";
const RAN_FROM_APPLY = [
  'deploy: Fetch the saved plan',
  'deploy: Terraform apply (exactly the saved plan)',
  'deploy: AWS credentials (rollout role)',
  'deploy: Replace the app servers with the new launch template version (instance refresh)',
  'deploy: Check the shop through the load balancer'
];

describe('deploy.yml replayed', () => {
  it('gate → plan → deploy → summary run with the workflow’s own inputs and hand-offs, the plan matching the one reviewed on the merged pull request and the images attested', async () => {
    await reviewOnPullRequest('aws-image-update.plan.json');
    const { ran, skipped, failed, needs, terraform, summary, gh, root } = await replayDeploy({
      gh: [attested(IMAGES['backend-image']), attested(IMAGES['frontend-image'])]
    });
    expect(failed).toEqual([]);

    // What ran, and what could not here.
    expect(ran).toEqual([...RAN_BEFORE_APPLY, VERIFY, ...RAN_FROM_APPLY]);
    expect(skipped).toEqual([
      'gate: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8',
      'plan: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8',
      'plan: hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd',
      'deploy: actions/checkout@08c6903cd8c0fde910a37f88322edcfb5dd907a8',
      'deploy: hashicorp/setup-terraform@b9cd54a3c349d3f38e8881555d616ced269862dd',
      "deploy: Log in to Docker Hub (to read the images' manifests)"
    ]);
    // Each image was verified against exactly this workflow file on main.
    expect(gh.calls()).toEqual(
      [IMAGES['backend-image'], IMAGES['frontend-image']].map((image) => [
        'attestation',
        'verify',
        `oci://${image}`,
        '--repo',
        REPOSITORY,
        '--cert-identity',
        SIGNER
      ])
    );

    // Each AWS step assumed its own job's role, derived from the one variable.
    expect(needs.gate?.outputs).toMatchObject({
      'plan-role': 'arn:aws:iam::123456789012:role/ecommerce-github-plan',
      'apply-role': 'arn:aws:iam::123456789012:role/ecommerce-github-deploy',
      'rollout-role': 'arn:aws:iam::123456789012:role/ecommerce-github-rollout',
      protected: 'true'
    });
    // The app's secrets were created as SecureStrings under the parameters key.
    const created = await new SSMClient(AWS_CONFIG(moto.endpoint)).send(
      new DescribeParametersCommand({
        ParameterFilters: [{ Key: 'Name', Option: 'BeginsWith', Values: ['/ecommerce/app/'] }]
      })
    );
    expect(created.Parameters?.map((p) => [p.Name, p.Type]).sort()).toEqual([
      ['/ecommerce/app/card_fingerprint_key', 'SecureString'],
      ['/ecommerce/app/db_password', 'SecureString'],
      ['/ecommerce/app/django_secret_key', 'SecureString']
    ]);

    // The plan got the images by digest and the backend settings from the account ID.
    const planCall = terraform.calls().find((c) => c.args[0] === 'plan');
    expect(planCall?.args).toEqual(
      expect.arrayContaining([
        `backend_image=${IMAGES['backend-image']}`,
        `frontend_image=${IMAGES['frontend-image']}`,
        'dockerhub_username=octo',
        'region=us-east-1',
        '-lock-timeout=10m'
      ])
    );
    const initCall = terraform.calls().find((c) => c.args[0] === 'init');
    expect(initCall?.args).toContain('-backend-config=bucket=ecommerce-tfstate-123456789012');
    // Apply ran on the plan carried over by the artifact, in the apply job's own workspace.
    const applyCall = terraform.calls().find((c) => c.args[0] === 'apply');
    expect(applyCall?.args.at(-1)).toBe(path.join(root, 'deploy/terraform/tfplan'));
    // Both the plan and the apply looked up the pull request merged as this commit.
    expect(
      github.requests.filter((r) => r.path === `/repos/${REPOSITORY}/commits/${SHA}/pulls`)
    ).toHaveLength(2);

    expect(needs.plan?.outputs).toMatchObject({
      'has-changes': 'true',
      change: '1',
      'reviewed-plan': 'matches'
    });
    expect(needs.deploy?.outputs).toEqual({
      'shop-url': lb.url,
      'grafana-url': 'http://203.0.113.10:3000',
      'apply-result': 'success',
      'refresh-result': 'success',
      'refresh-outcome': 'successful',
      'rollout-result': 'success'
    });
    // The rollout role refreshed the groups to the apply's version, az1 first, and nothing
    // else: every server replaced, none patched; the target group holds exactly the new ones.
    expect(refresh.calls.filter((c) => c.startsWith('StartInstanceRefresh'))).toEqual(
      GROUPS.map((g) => `StartInstanceRefresh ${g}`)
    );
    expect(refresh.refreshes.map((r) => [r.group, r.desired?.version, r.status])).toEqual(
      GROUPS.map((g) => [g, '2', 'Successful'])
    );
    const after = await groupInstances();
    expect(after.map((i) => [i.group, i.version])).toEqual(GROUPS.map((g) => [g, '2']));
    expect(after.filter((i) => before.includes(i.id))).toEqual([]);
    const elb = new ElasticLoadBalancingV2Client(AWS_CONFIG(moto.endpoint));
    const health = await elb.send(
      new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn })
    );
    expect(health.TargetHealthDescriptions?.map((t) => t.Target?.Id).sort()).toEqual(
      after.map((i) => i.id).sort()
    );
    elb.destroy();
    expect(summary).toContain(`**The shop is up: <${lb.url}>**`);
    expect(summary).toContain('| Instance refresh (successful) | success |');
    expect(summary).toContain('| Shop check | success |');
    // Without SHOP_DOMAIN and SHOP_CERTIFICATE_ARN the first line says the shop is HTTP only.
    expect(summary.split('\n')[0]).toMatch(/^\*\*HTTP only — not fit for real customers/);
    expect(summary).not.toContain('apply-unreviewed');
    expect(summary).toContain(
      '| Plan (0 to add, 1 to change, 0 to destroy), reviewed plan: matches | success |'
    );
    expect(summary).toContain(
      `- Backend: \`${IMAGES['backend-image']}\` — [attestation](${ATTESTATIONS['backend-attestation']})`
    );
    expect(summary).toContain(
      `- Frontend: \`${IMAGES['frontend-image']}\` — [attestation](${ATTESTATIONS['frontend-attestation']})`
    );
    expect(summary).toContain(`gh attestation verify oci://<image> --repo ${REPOSITORY}`);
  }, 180_000);

  it('a plan other than the one reviewed on the merged pull request is refused before anything is applied, and the summary says why', async () => {
    // The pull request showed a first deploy; what the merge would apply is an update.
    await reviewOnPullRequest('aws-first-deploy.plan.json');
    const { ran, failed, needs, terraform, summary, gh } = await replayDeploy({
      gh: [attested(IMAGES['backend-image']), attested(IMAGES['frontend-image'])]
    });
    expect(failed.map((f) => f.label)).toEqual(['plan: Terraform plan']);
    expect(failed[0]?.output).toContain(
      'Refusing to apply: this plan differs from the one reviewed on #7'
    );
    expect(ran).toEqual(RAN_BEFORE_APPLY.slice(0, 4));
    expect(needs.plan).toMatchObject({
      result: 'failure',
      outputs: { 'reviewed-plan': 'refused' }
    });
    expect(needs.deploy?.result).toBe('skipped');
    expect(terraform.calls().filter((c) => c.args[0] === 'apply')).toEqual([]);
    expect(gh.calls()).toEqual([]);
    expect(summary).toContain(
      '**Nothing was applied: the plan differs from the one reviewed on the merged pull request**'
    );
    expect(summary).toContain('reviewed plan: refused | failure |');
    expect(summary).toContain('| Apply | skipped |');
  }, 120_000);

  it('apply-unreviewed applies that same plan (the production environment still gates the job) and the summary says so first; ATTEST_IMAGES=false skips the verification', async () => {
    await reviewOnPullRequest('aws-first-deploy.plan.json');
    const { workflow } = readWorkflow('deploy.yml');
    expect((workflow.jobs.deploy as Job).environment).toMatchObject({ name: 'production' });
    const { ran, failed, needs, terraform, summary, gh } = await replayDeploy({
      inputs: { 'apply-unreviewed': true },
      vars: { ATTEST_IMAGES: 'false' }
    });
    expect(failed).toEqual([]);
    expect(ran).toEqual([
      ...RAN_BEFORE_APPLY.slice(0, 3),
      'plan: Say that the reviewed plan is not checked (apply-unreviewed)',
      ...RAN_BEFORE_APPLY.slice(3),
      ...RAN_FROM_APPLY
    ]);
    // Neither the plan nor the apply asked GitHub for the pull request; no image was verified.
    expect(github.requests.filter((r) => r.path.endsWith('/pulls'))).toEqual([]);
    expect(gh.calls()).toEqual([]);
    expect(terraform.calls().filter((c) => c.args[0] === 'apply')).toHaveLength(1);
    expect(needs.plan?.outputs['reviewed-plan']).toBe('');
    expect(needs.deploy?.outputs).toMatchObject({
      'apply-result': 'success',
      'rollout-result': 'success'
    });
    const first = summary.split('\n').filter((l) => l.startsWith('**'));
    expect(first[1]).toBe(
      '**Started with apply-unreviewed: the plan was not held to the one reviewed on the pull request.**'
    );
  }, 180_000);

  it('an image this workflow did not attest (an image-tag pushed by hand) is refused before the plan is fetched: nothing applied', async () => {
    await reviewOnPullRequest('aws-image-update.plan.json');
    const pushedByHand = `docker.io/octo/ecommerce-backend@${DIGEST('c')}`;
    // GitHub knows no attestation of it: gh attestation verify fails as gh does.
    const { ran, failed, needs, terraform, summary, gh } = await replayDeploy({
      inputs: { 'image-tag': 'by-hand' },
      gh: [attested(IMAGES['frontend-image'])],
      images: { 'backend-image': pushedByHand, 'frontend-image': IMAGES['frontend-image'] }
    });
    expect(failed.map((f) => f.label)).toEqual([VERIFY]);
    expect(failed[0]?.output).toContain(
      `::error::${pushedByHand} has no attestation by ${SIGNER}: refusing to deploy`
    );
    expect(ran).toEqual([...RAN_BEFORE_APPLY, VERIFY]);
    expect(gh.calls().map((c) => c[2])).toEqual([`oci://${pushedByHand}`]);
    expect(terraform.calls().filter((c) => c.args[0] === 'apply')).toEqual([]);
    expect(needs.deploy?.result).toBe('failure');
    expect(needs.deploy?.outputs).toMatchObject({ 'apply-result': '', 'rollout-result': '' });
    expect(summary).toContain('**The deploy did not finish**');
    expect(summary).toContain('| Apply | failure |');
  }, 120_000);
});

describe('deploy.yml rolls a release back when its servers never turn healthy', () => {
  it('the refresh step fails, every group runs the previous version again, and the summary says so first', async () => {
    const { workflow } = readWorkflow('deploy.yml');
    const deployJob = workflow.jobs.deploy as Job;
    // A second pair of groups behind the same target group: its version 2 never passes the
    // health check (the stand-in's healthy() refuses the broken-* groups at any version but 1).
    const ec2 = new EC2Client(AWS_CONFIG(moto.endpoint));
    const autoscaling = new AutoScalingClient(AWS_CONFIG(moto.endpoint));
    const template = await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: 'broken-app',
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.small' }
      })
    );
    const templateId = template.LaunchTemplate?.LaunchTemplateId ?? '';
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.medium' }
      })
    );
    const groups = ['broken-app-az1', 'broken-app-az2'];
    for (const [index, name] of groups.entries()) {
      const subnet = await ec2.send(
        new CreateSubnetCommand({
          VpcId: vpcId,
          CidrBlock: `10.0.${index + 13}.0/24`,
          AvailabilityZone: `us-east-1${'ab'[index]}`
        })
      );
      await autoscaling.send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          LaunchTemplate: { LaunchTemplateId: templateId, Version: '1' },
          MinSize: 1,
          DesiredCapacity: 1,
          MaxSize: 3,
          VPCZoneIdentifier: subnet.Subnet?.SubnetId,
          TargetGroupARNs: [targetGroupArn]
        })
      );
    }
    ec2.destroy();

    // The refresh step with deploy.yml's inputs, after an apply whose outputs name these groups.
    const outputs = JSON.stringify({
      shop_url: lb.url,
      app_autoscaling_group_names: groups,
      launch_template_id: templateId,
      launch_template_version: 2
    });
    const step = (deployJob.steps ?? []).find((s) => s.id === 'refresh');
    const context = { steps: { apply: { outputs: { outputs }, outcome: 'success' } } };
    const inputs = Object.fromEntries(
      Object.entries(step?.with ?? {}).map(([k, v]) => [k, interpolate(v, context)])
    );
    expect(inputs['auto-scaling-groups']).toBe('broken-app-az1,broken-app-az2');
    const run = await runBundle('instance-refresh', {
      inputs: { ...inputs, 'poll-interval-seconds': '1' },
      env: {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_ENDPOINT_URL_EC2: moto.endpoint,
        AWS_ENDPOINT_URL_AUTO_SCALING: refresh.endpoint
      }
    });
    expect(run.exitCode).not.toBe(0);
    expect(run.errors[0]).toContain('Rolled back to the previous launch template version on');
    expect(run.outputs).toMatchObject({ result: 'rolled-back', 'rolled-back': 'true' });
    // The first zone failed and went back; the second was never started.
    expect(refresh.calls.filter((c) => c.includes('broken-app'))).toEqual([
      'StartInstanceRefresh broken-app-az1'
    ]);
    const found = await autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: groups })
    );
    autoscaling.destroy();
    expect(
      found.AutoScalingGroups?.map((g) => [g.AutoScalingGroupName, g.LaunchTemplate?.Version])
    ).toEqual(groups.map((g) => [g, '1']));

    // The deploy job's outputs as deploy.yml derives them (the shop check was skipped), and the
    // summary's first line after the HTTP-only warning.
    const jobOutputs = Object.fromEntries(
      Object.entries(deployJob.outputs ?? {}).map(([k, v]) => [
        k,
        interpolate(v, {
          steps: {
            apply: { outputs: { outputs }, outcome: 'success' },
            refresh: { outputs: run.outputs, outcome: 'failure' },
            rollout: { outputs: {}, outcome: 'skipped' }
          }
        })
      ])
    );
    expect(jobOutputs).toMatchObject({
      'refresh-result': 'failure',
      'refresh-outcome': 'rolled-back',
      'rollout-result': 'skipped'
    });
    const summary = runSummary({
      vars: {},
      github: {},
      needs: {
        gate: { result: 'success', outputs: { protected: 'true' } },
        images: { result: 'success', outputs: IMAGES },
        plan: { result: 'success', outputs: { add: '0', change: '1', destroy: '0' } },
        deploy: { result: 'failure', outputs: jobOutputs }
      }
    });
    const lines = summary.split('\n').filter((l) => l.startsWith('**'));
    expect(lines[1]).toMatch(/^\*\*The release was rolled back\*\*/);
    expect(summary).not.toContain('The shop is up');
    expect(summary).toContain('| Instance refresh (rolled-back) | failure |');
    expect(summary).toContain('| Shop check | skipped |');
  }, 120_000);
});

describe("deploy.yml's role step refuses bad role variables before any AWS call", () => {
  /** The gate job's roles step, run under bash with the variables given. */
  function roles(variables: Record<string, string>): {
    status: number | null;
    out: string;
    outputs: string;
  } {
    const { workflow } = readWorkflow('deploy.yml');
    const step = (workflow.jobs.gate as Job).steps?.find((s) => s.id === 'roles');
    const dir = mkdtempSync(path.join(tmpdir(), 'deploy-roles-'));
    const script = path.join(dir, 'roles.sh');
    const output = path.join(dir, 'output');
    writeFileSync(script, step?.run ?? 'exit 9');
    writeFileSync(output, '');
    const env = Object.fromEntries(
      Object.entries(step?.env ?? {}).map(([k, v]) => [
        k,
        interpolate(v, {
          vars: variables,
          secrets: {},
          inputs: {},
          github: {},
          needs: {},
          steps: {},
          env: {}
        })
      ])
    );
    const bash = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, ...env },
      encoding: 'utf8'
    });
    return { status: bash.status, out: bash.stdout, outputs: readFileSync(output, 'utf8') };
  }

  it.each([
    ['an empty variable', {}, /AWS_DEPLOY_ROLE_ARN must be terraform\/bootstrap's deploy_role_arn/],
    [
      'a user, not a role',
      { AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:user/ecommerce-github-deploy' },
      /must be/
    ],
    [
      'a role that is not the deploy role',
      { AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/Admin' },
      /must be/
    ],
    [
      'a plan role of another account',
      {
        AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/ecommerce-github-deploy',
        AWS_PLAN_ROLE_ARN: 'arn:aws:iam::999999999999:role/ecommerce-github-plan'
      },
      /is not a role of account 123456789012/
    ],
    [
      'a plan role whose value smuggles a second output line',
      {
        AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/ecommerce-github-deploy',
        AWS_PLAN_ROLE_ARN:
          'arn:aws:iam::123456789012:role/ecommerce-github-plan\napply=arn:aws:iam::123456789012:role/Admin'
      },
      /is not a role of account 123456789012/
    ],
    [
      'a rollout role with a shell payload',
      {
        AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/ecommerce-github-deploy',
        AWS_ROLLOUT_ROLE_ARN: 'arn:aws:iam::999999999999:role/x"; touch /tmp/pwned; "'
      },
      /is not a role of account 123456789012/
    ]
  ])('%s: the step fails, says why, and hands no role on', (_name, variables, message) => {
    const result = roles(variables);
    expect(result.status).toBe(1);
    expect(result.out).toMatch(message);
    expect(result.outputs).toBe('');
  });

  it('derives the plan and rollout roles from the deploy role', () => {
    const result = roles({
      AWS_DEPLOY_ROLE_ARN: 'arn:aws:iam::123456789012:role/shop-github-deploy'
    });
    expect(result.status).toBe(0);
    expect(result.outputs.split('\n').filter(Boolean)).toEqual([
      'plan=arn:aws:iam::123456789012:role/shop-github-plan',
      'apply=arn:aws:iam::123456789012:role/shop-github-deploy',
      'rollout=arn:aws:iam::123456789012:role/shop-github-rollout'
    ]);
  });
});
