import { beforeAll, describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TERRAFORM_DIR, block, bodies, str, type ModuleConfig } from './support/hcl.js';
import { evaluate, trustAllows, type PolicyDocument } from './support/iam-evaluator.js';
import {
  BUCKET_ARN,
  PROVIDER,
  REPO,
  appDynamicStatements,
  iamDocument,
  loadFraudRoles,
  monitoringStatements,
  type FraudRoles
} from './support/fraud-roles.js';
import { renderPipelinePolicies } from './support/pipeline-policies.js';
import { templatefileKeys } from './support/template-calls.js';

// Retraining on GitHub on a CSV staff upload in the shop, in Terraform: the app servers may put
// under one prefix of the monitoring bucket (and read nothing back), the fraud-scan workflow's
// download role may read only that prefix, trusted exactly as the model upload role, a lifecycle
// rule deletes the files, the monitoring server no longer reads them. Then the attacks, on the
// documents as Terraform writes them.

const PREFIX = 'fraud-training/uploads/';
const UPLOAD_ARN = `${BUCKET_ARN}/${PREFIX}0123456789abcdef0123456789abcdef.csv`;
const MODEL_ARN = `${BUCKET_ARN}/fraud-model/transactions/model.json`;
const ROLE_ARN = 'arn:aws:iam::123456789012:role/ecommerce/ecommerce-monitoring-fraud-training';

let monitoring: ModuleConfig;
let ec2: ModuleConfig;
let root: ModuleConfig;
let trust: FraudRoles['trust'];
let downloadRole: PolicyDocument;
let appRole: PolicyDocument;
let monitoringRole: PolicyDocument;

/** The app role's dynamic statement on var.fraud_training_uploads_arn, its HCL. */
const appUploadStatements = () => appDynamicStatements(ec2, 'fraud_training_uploads_arn');

const fill = {
  '${aws_s3_bucket.config.arn}': BUCKET_ARN,
  '${local.fraud_training_prefix}': PREFIX,
  '${local.fraud_model_key}': 'fraud-model/transactions/model.json',
  '${local.fraud_scan_metrics_key}': 'fraud-scan/fraud_scan.prom'
};

beforeAll(async () => {
  ({ monitoring, ec2, root, trust } = await loadFraudRoles());
  downloadRole = iamDocument(
    bodies(
      block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_training_download').body.statement
    ),
    fill
  );
  appRole = iamDocument(
    appUploadStatements().map((d) => {
      const content = bodies(d.content)[0] ?? {};
      return { ...content, resources: [`${BUCKET_ARN}/${PREFIX}*`] };
    }),
    fill
  );
  monitoringRole = iamDocument(monitoringStatements(monitoring, ['Config', 'FraudTraining']), fill);
}, 120_000);

describe('the training uploads in the monitoring bucket (modules/monitoring)', () => {
  it('live under fraud-training/uploads/ and expire after 3 days, older versions after 1', () => {
    expect(monitoring.locals.fraud_training_prefix).toBe(PREFIX);
    expect(monitoring.locals.fraud_training_upload_days).toBe(3);
    const rules = bodies(
      block(monitoring, 'resource', 'aws_s3_bucket_lifecycle_configuration', 'config').body.rule
    );
    const rule = rules.find((r) => r.id === 'expire-fraud-training-uploads');
    expect(rule).toMatchObject({ status: 'Enabled' });
    expect(bodies(rule?.filter)).toEqual([{ prefix: '${local.fraud_training_prefix}' }]);
    expect(bodies(rule?.expiration)).toEqual([{ days: '${local.fraud_training_upload_days}' }]);
    expect(bodies(rule?.noncurrent_version_expiration)).toEqual([{ noncurrent_days: 1 }]);
  });

  it('are read by a role of their own: s3:GetObject under the prefix, nothing else, with the model role’s trust', () => {
    expect(
      bodies(
        block(monitoring, 'data', 'aws_iam_policy_document', 'fraud_training_download').body
          .statement
      )
    ).toEqual([
      {
        sid: 'GetFraudTrainingUploads',
        actions: ['s3:GetObject'],
        resources: ['${aws_s3_bucket.config.arn}/${local.fraud_training_prefix}*']
      }
    ]);
    expect(
      block(monitoring, 'resource', 'aws_iam_role', 'fraud_training_download').body
    ).toMatchObject({
      count: '${local.fraud_scan_metrics_upload ? 1 : 0}',
      name: '${var.name}-fraud-training',
      path: '${var.iam_path}',
      permissions_boundary: '${var.permissions_boundary_arn}',
      assume_role_policy: '${data.aws_iam_policy_document.fraud_scan_trust[0].json}',
      max_session_duration: 3600
    });
    expect(
      block(monitoring, 'resource', 'aws_iam_role_policy', 'fraud_training_download').body
    ).toMatchObject({
      count: '${local.fraud_scan_metrics_upload ? 1 : 0}',
      role: '${aws_iam_role.fraud_training_download[0].id}',
      policy: '${data.aws_iam_policy_document.fraud_training_download.json}'
    });
    const attachments = monitoring.blocks.filter(
      (b) =>
        b.type === 'aws_iam_role_policy_attachment' &&
        JSON.stringify(b.body).includes('fraud_training')
    );
    expect(attachments).toEqual([]);
  });

  it('outputs the role and the bucket; the root passes them on and wires the app role and the user data', () => {
    const names = (config: typeof root) =>
      config.blocks.filter((b) => b.kind === 'output').map((b) => b.name);
    expect(names(monitoring)).toEqual(
      expect.arrayContaining(['fraud_training_role_arn', 'fraud_training_uploads'])
    );
    expect(names(root)).toEqual(
      expect.arrayContaining(['fraud_training_role_arn', 'fraud_training_bucket'])
    );
    expect(root.locals.fraud_training_uploads).toBe(
      '${try(module.monitoring[0].fraud_training_uploads, null)}'
    );
    const ec2Call = block(root, 'module', '', 'ec2').body;
    expect(ec2Call.fraud_training_uploads_arn).toBe('${try(local.fraud_training_uploads.arn, "")}');
    const userData = str(ec2Call, 'app_user_data') ?? '';
    expect(templatefileKeys(userData, 'templatefile("${path.module}/deploy.sh", {')).toEqual(
      expect.arrayContaining([
        'fraud_training_bucket',
        'fraud_training_prefix',
        'push_fraud_training_script'
      ])
    );
    expect(userData).toMatch(
      /\bpush_fraud_training_script\s+= file\("\$\{path\.module\}\/modules\/ec2\/files\/push-fraud-training\.py"\)/
    );
  });
});

describe("the app servers' put (modules/ec2)", () => {
  it('is s3:PutObject on the prefix the variable names, only when there is one', () => {
    const [statement] = appUploadStatements();
    expect(statement?.for_each).toBe(
      '${var.fraud_training_uploads_arn == "" ? [] : [var.fraud_training_uploads_arn]}'
    );
    expect(bodies(statement?.content)).toEqual([
      {
        sid: 'PutFraudTrainingUploads',
        actions: ['s3:PutObject'],
        resources: ['${statement.value}']
      }
    ]);
  });

  it('refuses a variable that is not one prefix of one bucket', () => {
    const variable = block(ec2, 'variable', '', 'fraud_training_uploads_arn').body;
    expect(variable.default).toBe('');
    const condition = str(bodies(variable.validation)[0] ?? {}, 'condition') ?? '';
    const pattern = /regex\("((?:[^"\\]|\\.)+)"/.exec(condition)?.[1] ?? '';
    const regex = new RegExp(pattern.replace(/\\\\/g, '\\'));
    expect(regex.test(`${BUCKET_ARN}/${PREFIX}*`)).toBe(true);
    for (const bad of [
      `${BUCKET_ARN}/*`,
      BUCKET_ARN,
      `${BUCKET_ARN}/${PREFIX}`,
      `${BUCKET_ARN}/fraud-*/*`,
      'arn:aws:s3:::*/fraud-training/uploads/*',
      `${BUCKET_ARN}/${PREFIX}x.csv`
    ])
      expect([bad, regex.test(bad)]).toEqual([bad, false]);
  });
});

describe('attacks on the training download role', () => {
  const assume = (sub: string, document = trust.default, aud = 'sts.amazonaws.com') =>
    trustAllows(document, PROVIDER, {
      action: 'sts:AssumeRoleWithWebIdentity',
      resource: ROLE_ARN,
      context: {
        'token.actions.githubusercontent.com:sub': sub,
        'token.actions.githubusercontent.com:aud': aud
      }
    });
  const workflowRef = (file: string, ref = 'refs/heads/main', repo = REPO) =>
    `:job_workflow_ref:${repo}/.github/workflows/${file}@${ref}`;

  it("admits the default branch's runs (with the pin, only fraud-scan.yml's)", () => {
    expect(assume(`repo:${REPO}:ref:refs/heads/main`)).toBe(true);
    expect(
      assume(`repo:${REPO}:ref:refs/heads/main${workflowRef('fraud-scan.yml')}`, trust.pinned)
    ).toBe(true);
  });

  it.each([
    ['a fork', `repo:attacker/ecommerce_docker_deployment:ref:refs/heads/main`],
    ['another branch', `repo:${REPO}:ref:refs/heads/feature-x`],
    ['a branch named like main', `repo:${REPO}:ref:refs/heads/main-evil`],
    ['a pull request', `repo:${REPO}:pull_request`],
    ['an environment', `repo:${REPO}:environment:production`],
    [
      'another workflow on main (pinned)',
      `repo:${REPO}:ref:refs/heads/main${workflowRef('deploy.yml')}`
    ],
    [
      'fraud-scan.yml of a pull request (pinned)',
      `repo:${REPO}:pull_request${workflowRef('fraud-scan.yml', 'refs/pull/7/merge')}`
    ]
  ])('refuses a token from %s', (_who, sub) => {
    expect(assume(sub)).toBe(false);
    expect(assume(sub, trust.pinned)).toBe(false);
  });

  it('refuses a token for another audience', () => {
    expect(assume(`repo:${REPO}:ref:refs/heads/main`, trust.default, 'https://github.com/x')).toBe(
      false
    );
  });

  it('may read an upload and nothing else: no other key, no list, no write, no delete', () => {
    const may = (action: string, resource: string) =>
      evaluate([downloadRole], { action, resource });
    expect(may('s3:GetObject', UPLOAD_ARN)).toBe('Allow');
    for (const [action, resource] of [
      ['s3:GetObject', MODEL_ARN],
      ['s3:GetObject', `${BUCKET_ARN}/fraud-scan/fraud_scan.prom`],
      ['s3:GetObject', `${BUCKET_ARN}/fraud-training/other.csv`],
      ['s3:GetObject', `${BUCKET_ARN}/prometheus/prometheus.yml`],
      ['s3:GetObject', `arn:aws:s3:::another-bucket/${PREFIX}x.csv`],
      ['s3:ListBucket', BUCKET_ARN],
      ['s3:PutObject', UPLOAD_ARN],
      ['s3:PutObject', MODEL_ARN],
      ['s3:DeleteObject', UPLOAD_ARN],
      ['s3:GetObjectVersion', UPLOAD_ARN]
    ] as const)
      expect([action, resource, may(action, resource)]).toEqual([action, resource, 'ImplicitDeny']);
  });
});

describe("attacks through the app servers' role and the monitoring server's", () => {
  it('the app role may put an upload and read none back, list nothing, replace nothing else', () => {
    const may = (action: string, resource: string) => evaluate([appRole], { action, resource });
    expect(may('s3:PutObject', UPLOAD_ARN)).toBe('Allow');
    for (const [action, resource] of [
      ['s3:GetObject', UPLOAD_ARN],
      ['s3:ListBucket', BUCKET_ARN],
      ['s3:PutObject', MODEL_ARN],
      ['s3:PutObject', `${BUCKET_ARN}/fraud-scan/fraud_scan.prom`],
      ['s3:PutObject', `${BUCKET_ARN}/fraud-training/other.csv`],
      ['s3:PutObject', `${BUCKET_ARN}/prometheus/rules/fraud.yml`],
      ['s3:DeleteObject', UPLOAD_ARN],
      ['s3:PutObjectAcl', UPLOAD_ARN]
    ] as const)
      expect([action, resource, may(action, resource)]).toEqual([action, resource, 'ImplicitDeny']);
  });

  it('the monitoring server, which reads the rest of the bucket, may not read the uploads', () => {
    const may = (resource: string) =>
      evaluate([monitoringRole], { action: 's3:GetObject', resource });
    expect(may(`${BUCKET_ARN}/prometheus/prometheus.yml`)).toBe('Allow');
    expect(may(UPLOAD_ARN)).toBe('ExplicitDeny');
  });

  it('both permissions stay inside the workload boundary the apply role attaches', () => {
    const boundary = renderPipelinePolicies().boundary;
    expect(
      evaluate([downloadRole], { action: 's3:GetObject', resource: UPLOAD_ARN }, boundary)
    ).toBe('Allow');
    expect(evaluate([appRole], { action: 's3:PutObject', resource: UPLOAD_ARN }, boundary)).toBe(
      'Allow'
    );
  }, 120_000);
});

describe("the servers' boot: the push agent and its hand-over folder", () => {
  const deploy = readFileSync(path.join(TERRAFORM_DIR, 'deploy.sh'), 'utf8');
  const compose = readFileSync(path.join(TERRAFORM_DIR, '..', 'compose', 'compose.yml'), 'utf8');

  it('start push-fraud-training when pending/ is not empty, with the bucket and prefix Terraform gives', () => {
    expect(deploy).toContain('DirectoryNotEmpty=/var/lib/ecommerce/fraud-training/pending');
    expect(deploy).toContain(
      'ExecStart=/usr/local/sbin/push-fraud-training /var/lib/ecommerce/fraud-training ${fraud_training_bucket} ${fraud_training_prefix}'
    );
    expect(deploy).toMatch(
      /cat >\/usr\/local\/sbin\/push-fraud-training <<'PUSH'\n\$\{push_fraud_training_script\}PUSH\n/
    );
    // The folders exist only when a bucket takes uploads: the backend reads that as "set up".
    expect(deploy).toMatch(
      /if \[ -n "\$fraud_training_bucket" \]; then\n(\s+#.*\n)*\s+install -d -m 0700 -o 10001 -g 10001 \/var\/lib\/ecommerce\/fraud-training\/staging/
    );
  });

  it('mount the hand-over folder into the backend, which gets no other way to AWS', () => {
    expect(compose).toContain('- /var/lib/ecommerce/fraud-training:/fraud-training-outbox\n');
    expect(compose).toContain('FRAUD_TRAINING_OUTBOX: /fraud-training-outbox\n');
    // The containers never reach the instance role: one hop of the metadata service.
    const template = block(ec2, 'resource', 'aws_launch_template', 'app').body;
    expect(bodies(template.metadata_options)).toEqual([
      expect.objectContaining({ http_tokens: 'required', http_put_response_hop_limit: 1 })
    ]);
  });
});
