import { beforeAll, describe, expect, it } from '@jest/globals';
import { block, bodies, str, type Body, type ModuleConfig } from './support/hcl.js';
import { evaluate, trustAllows, type PolicyDocument } from './support/iam-evaluator.js';
import {
  BUCKET_ARN,
  PROVIDER,
  REPO,
  appDynamicStatements,
  iamDocument,
  loadFraudRoles,
  monitoringStatements,
  renderedSubject,
  type FraudRoles
} from './support/fraud-roles.js';
import { renderPipelinePolicies } from './support/pipeline-policies.js';
import { templatefileKeys } from './support/template-calls.js';

// The fraud model's delivery in Terraform (docs/deploy.md, "Fraud model delivery"): the
// monitoring module's model upload role (GitHub OIDC, s3:PutObject on one key), the app servers'
// read of exactly that key, the root's wiring into their user data. Then the attacks, on the
// documents as Terraform writes them: tokens of another repository, branch, pull request or
// workflow against the trust; other keys and other actions against both roles' permissions.

const MODEL_KEY = 'fraud-model/transactions/model.json';
const MODEL_ARN = `${BUCKET_ARN}/${MODEL_KEY}`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/ecommerce/ecommerce-monitoring-fraud-model';

let monitoring: ModuleConfig;
let ec2: ModuleConfig;
let root: ModuleConfig;
let trust: FraudRoles['trust'];
let uploadRole: PolicyDocument;
let appRole: PolicyDocument;
let monitoringRole: PolicyDocument;

/** The app role's ReadFraudModel statement: a dynamic block on var.fraud_model_object_arn. */
function appModelStatements(): Body[] {
  return appDynamicStatements(ec2, 'fraud_model_object_arn').map((d) => {
    expect(d.for_each).toBe(
      '${var.fraud_model_object_arn == "" ? [] : [var.fraud_model_object_arn]}'
    );
    const content = bodies(d.content)[0] ?? {};
    return { ...content, resources: (content.resources as string[]).map(() => MODEL_ARN) };
  });
}

beforeAll(async () => {
  ({ monitoring, ec2, root, trust } = await loadFraudRoles());
  const fill = {
    '${aws_s3_bucket.config.arn}': BUCKET_ARN,
    '${local.fraud_model_key}': MODEL_KEY,
    '${local.fraud_scan_metrics_key}': 'fraud-scan/fraud_scan.prom'
  };
  uploadRole = iamDocument(
    bodies(
      block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_model_upload').body.statement
    ),
    fill
  );
  appRole = iamDocument(appModelStatements(), fill);
  monitoringRole = iamDocument(monitoringStatements(monitoring, ['Config']), fill);
}, 120_000);

describe("the fraud model's upload role (modules/monitoring)", () => {
  it('may only put the one object, fraud-model/transactions/model.json', () => {
    expect(monitoring.locals.fraud_model_key).toBe(MODEL_KEY);
    expect(
      bodies(
        block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_model_upload').body.statement
      )
    ).toEqual([
      {
        sid: 'PutFraudModel',
        actions: ['s3:PutObject'],
        resources: ['${aws_s3_bucket.config.arn}/${local.fraud_model_key}']
      }
    ]);
    const attachment = block(
      monitoring,
      'resource',
      'aws_iam_role_policy',
      'fraud_model_upload'
    ).body;
    expect(attachment).toMatchObject({
      role: '${aws_iam_role.fraud_model_upload[0].id}',
      policy: '${data.aws_iam_policy_document.fraud_model_upload.json}'
    });
    const others = monitoring.blocks.filter(
      (b) =>
        b.type === 'aws_iam_role_policy_attachment' &&
        JSON.stringify(b.body).includes('fraud_model_upload')
    );
    expect(others).toEqual([]);
  });

  it('is its own role, with the metrics role’s trust, only when a repository is given', () => {
    const role = block(monitoring, 'resource', 'aws_iam_role', 'fraud_model_upload').body;
    expect(role).toMatchObject({
      count: '${local.fraud_scan_metrics_upload ? 1 : 0}',
      name: '${var.name}-fraud-model',
      path: '${var.iam_path}',
      permissions_boundary: '${var.permissions_boundary_arn}',
      assume_role_policy: '${data.aws_iam_policy_document.fraud_scan_trust[0].json}',
      max_session_duration: 3600
    });
    expect(
      block(monitoring, 'resource', 'aws_iam_role_policy', 'fraud_model_upload').body.count
    ).toBe('${local.fraud_scan_metrics_upload ? 1 : 0}');
  });

  it('names the subject terraform renders: the default branch, and with the pin the workflow too', () => {
    expect(renderedSubject(false)).toBe(`repo:${REPO}:ref:refs/heads/main`);
    expect(renderedSubject(true)).toBe(
      `repo:${REPO}:ref:refs/heads/main:job_workflow_ref:${REPO}/.github/workflows/fraud-scan.yml@refs/heads/main`
    );
  }, 120_000);

  it('outputs the role and the object; the root passes them on and wires the pin', () => {
    const names = (config: typeof root) =>
      config.blocks.filter((b) => b.kind === 'output').map((b) => b.name);
    expect(names(monitoring)).toEqual(
      expect.arrayContaining(['fraud_model_role_arn', 'fraud_model_object'])
    );
    expect(names(root)).toEqual(
      expect.arrayContaining(['fraud_model_role_arn', 'fraud_model_object'])
    );
    expect(block(root, 'module', '', 'monitoring').body.fraud_scan_pin_workflow).toBe(
      '${var.fraud_scan_pin_workflow}'
    );
    expect(block(root, 'variable', '', 'fraud_scan_pin_workflow').body.default).toBe(false);
  });
});

describe("the app servers' read of the model (modules/ec2, the root's user data)", () => {
  it('grant s3:GetObject on exactly the object, only when there is one, and no other S3 write than the training uploads', () => {
    expect(appModelStatements()).toEqual([
      { sid: 'ReadFraudModel', actions: ['s3:GetObject'], resources: [MODEL_ARN] }
    ]);
    expect(block(root, 'module', '', 'ec2').body.fraud_model_object_arn).toBe(
      '${try(local.fraud_model.arn, "")}'
    );
    expect(root.locals.fraud_model).toBe('${try(module.monitoring[0].fraud_model_object, null)}');
    // The one write: s3:PutObject on var.fraud_training_uploads_arn (fraud-training.test.ts).
    for (const file of Object.keys(ec2.files))
      expect([file, JSON.stringify(ec2.files[file]).match(/s3:(Put\w*|Delete\w*|\*)/g)]).toEqual([
        file,
        file.endsWith('main.tf') ? ['s3:PutObject'] : null
      ]);
  });

  it('refuses an object ARN with a wildcard or without a key', () => {
    const variable = block(ec2, 'variable', '', 'fraud_model_object_arn').body;
    expect(variable.default).toBe('');
    const condition = str(bodies(variable.validation)[0] ?? {}, 'condition') ?? '';
    const pattern = /regex\("((?:[^"\\]|\\.)+)"/.exec(condition)?.[1] ?? '';
    const regex = new RegExp(pattern.replace(/\\\\/g, '\\'));
    expect(regex.test(MODEL_ARN)).toBe(true);
    for (const bad of [
      `${BUCKET_ARN}/*`,
      BUCKET_ARN,
      `${BUCKET_ARN}/fraud-model/*`,
      'arn:aws:s3:::*/x'
    ])
      expect([bad, regex.test(bad)]).toEqual([bad, false]);
  });

  it("put the bucket, the key and fetch-fraud-model's exact text into the user data", () => {
    const userData = str(block(root, 'module', '', 'ec2').body, 'app_user_data') ?? '';
    expect(templatefileKeys(userData, 'templatefile("${path.module}/deploy.sh", {')).toEqual(
      expect.arrayContaining(['fraud_model_bucket', 'fraud_model_key', 'fetch_fraud_model_script'])
    );
    expect(userData).toMatch(/\bfraud_model_bucket\s+= try\(local\.fraud_model\.bucket, ""\)/);
    expect(userData).toMatch(/\bfraud_model_key\s+= try\(local\.fraud_model\.key, ""\)/);
    expect(userData).toMatch(
      /\bfetch_fraud_model_script = file\("\$\{path\.module\}\/modules\/ec2\/files\/fetch-fraud-model\.sh"\)/
    );
  });
});

describe('attacks on the model upload role', () => {
  const assume = (sub: string, aud = 'sts.amazonaws.com', document = trust.default) =>
    trustAllows(document, PROVIDER, {
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: ROLE_ARN,
      context: {
        'token.actions.githubusercontent.com:sub': sub,
        'token.actions.githubusercontent.com:aud': aud
      }
    });
  const pinned = (sub: string) => assume(sub, 'sts.amazonaws.com', trust.pinned);
  const workflowRef = (file: string, ref = 'refs/heads/main', repo = REPO) =>
    `:job_workflow_ref:${repo}/.github/workflows/${file}@${ref}`;

  it("admits the default branch's runs (with the pin, only fraud-scan.yml's)", () => {
    expect(assume(`repo:${REPO}:ref:refs/heads/main`)).toBe(true);
    expect(pinned(`repo:${REPO}:ref:refs/heads/main${workflowRef('fraud-scan.yml')}`)).toBe(true);
  });

  it.each([
    [
      'another repository (a fork)',
      `repo:attacker/ecommerce_docker_deployment:ref:refs/heads/main`
    ],
    ['another branch', `repo:${REPO}:ref:refs/heads/feature-x`],
    ['a branch named like main', `repo:${REPO}:ref:refs/heads/main-evil`],
    ['a tag', `repo:${REPO}:ref:refs/tags/main`],
    ['a pull request', `repo:${REPO}:pull_request`],
    ['an environment', `repo:${REPO}:environment:production`],
    ['a prefix of the repository', `repo:${REPO.slice(0, -1)}:ref:refs/heads/main`]
  ])('refuses a token from %s', (_who, sub) => {
    expect(assume(sub)).toBe(false);
    expect(pinned(sub)).toBe(false);
  });

  it('refuses a token for another audience', () => {
    expect(assume(`repo:${REPO}:ref:refs/heads/main`, 'https://github.com/my-org')).toBe(false);
  });

  it('with the pin, refuses another workflow on main, fraud-scan.yml of another branch or repository', () => {
    for (const sub of [
      `repo:${REPO}:ref:refs/heads/main${workflowRef('deploy.yml')}`,
      `repo:${REPO}:ref:refs/heads/main${workflowRef('fraud-scan.yml', 'refs/heads/feature-x')}`,
      `repo:${REPO}:ref:refs/heads/main${workflowRef('fraud-scan.yml', 'refs/heads/main', 'attacker/x')}`,
      `repo:${REPO}:pull_request${workflowRef('fraud-scan.yml', 'refs/pull/7/merge')}`,
      // The unpinned subject no longer matches once pinned: nothing falls back.
      `repo:${REPO}:ref:refs/heads/main`
    ])
      expect([sub, pinned(sub)]).toEqual([sub, false]);
  });

  it('may put the model and nothing else: no other key, no read, no delete, no ACL', () => {
    const may = (action: string, resource: string) => evaluate([uploadRole], { action, resource });
    expect(may('s3:PutObject', MODEL_ARN)).toBe('Allow');
    for (const [action, resource] of [
      ['s3:PutObject', `${BUCKET_ARN}/fraud-scan/fraud_scan.prom`],
      ['s3:PutObject', `${BUCKET_ARN}/fraud-model/transactions/model.json.bak`],
      ['s3:PutObject', `${BUCKET_ARN}/fraud-model/stripemodel/model.json`],
      ['s3:PutObject', `${BUCKET_ARN}/prometheus/rules/fraud.yml`],
      ['s3:PutObject', `arn:aws:s3:::another-bucket/${MODEL_KEY}`],
      ['s3:GetObject', MODEL_ARN],
      ['s3:DeleteObject', MODEL_ARN],
      ['s3:PutObjectAcl', MODEL_ARN],
      ['s3:PutBucketPolicy', BUCKET_ARN],
      ['s3:ListBucket', BUCKET_ARN]
    ] as const)
      expect([action, resource, may(action, resource)]).toEqual([action, resource, 'ImplicitDeny']);
  });

  it('keeps its one permission under the workload boundary the apply role attaches', () => {
    const boundary = renderPipelinePolicies().boundary;
    expect(evaluate([uploadRole], { action: 's3:PutObject', resource: MODEL_ARN }, boundary)).toBe(
      'Allow'
    );
    expect(evaluate([appRole], { action: 's3:GetObject', resource: MODEL_ARN }, boundary)).toBe(
      'Allow'
    );
  }, 120_000);
});

describe("attacks through the app servers' role", () => {
  it('may read the model and nothing else of the bucket; may not write, replace or delete it', () => {
    const may = (action: string, resource: string) => evaluate([appRole], { action, resource });
    expect(may('s3:GetObject', MODEL_ARN)).toBe('Allow');
    for (const [action, resource] of [
      ['s3:PutObject', MODEL_ARN],
      ['s3:DeleteObject', MODEL_ARN],
      ['s3:PutObjectAcl', MODEL_ARN],
      ['s3:GetObject', `${BUCKET_ARN}/fraud-scan/fraud_scan.prom`],
      ['s3:GetObject', `${BUCKET_ARN}/prometheus/prometheus.yml`],
      ['s3:GetObject', `${BUCKET_ARN}/fraud-model/stripemodel/model.json`],
      ['s3:ListBucket', BUCKET_ARN]
    ] as const)
      expect([action, resource, may(action, resource)]).toEqual([action, resource, 'ImplicitDeny']);
  });

  it('and the monitoring server, which reads the whole bucket, may not write the model either', () => {
    expect(evaluate([monitoringRole], { action: 's3:GetObject', resource: MODEL_ARN })).toBe(
      'Allow'
    );
    expect(evaluate([monitoringRole], { action: 's3:PutObject', resource: MODEL_ARN })).toBe(
      'ImplicitDeny'
    );
  });
});
