import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parse as parseYaml } from 'yaml';
import { MOTO_SERVER, startMoto, type MotoServer } from '../../tests/kit/stand-ins/moto.js';
import { TERRAFORM_DIR, block, loadModule, str } from './support/hcl.js';
import { templatefileKeys } from './support/template-calls.js';
import {
  renderTemplatefile,
  renderWithTerraform,
  terraformAvailable
} from '../../tests/kit/templatefile.js';

// deploy.sh and the compose template rendered as templatefile() renders them for the app
// servers' user data, and the monitoring server's user data; the results are shellchecked,
// their embedded Python compiled, and the deploy step's secret rendering run against moto's
// SSM and Secrets Manager.

const REPO = path.resolve(TERRAFORM_DIR, '..');
const COMPOSE = path.join(REPO, 'compose', 'compose.yml');
const DEPLOY = path.join(TERRAFORM_DIR, 'deploy.sh');
const MONITORING = path.join(TERRAFORM_DIR, 'modules/monitoring/templates/user_data.sh.tftpl');
const FETCH_TEXTFILE = path.join(TERRAFORM_DIR, 'modules/monitoring/files/fetch-textfile.sh');
const FETCH_FRAUD_MODEL = path.join(TERRAFORM_DIR, 'modules/ec2/files/fetch-fraud-model.sh');
const PUSH_FRAUD_TRAINING = path.join(TERRAFORM_DIR, 'modules/ec2/files/push-fraud-training.py');
const TOOLS_PYTHON = path.join(REPO, '.venv-tools', 'bin', 'python');

const SAMPLE: Record<string, string | number> = {
  rds_endpoint: 'ecommerce-db.abc123.us-east-1.rds.amazonaws.com',
  db_port: 5432,
  db_name: 'ecommerce',
  db_user: 'ecommerce_app',
  db_app_user: 'ecommerce_app',
  db_app_password_parameter: '/ecommerce/app/db_password',
  db_app_connection_limit: 72,
  db_secret_arn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1234-AbCdEf',
  dockerhub_username: 'acme',
  dockerhub_password_parameter: '/ecommerce/dockerhub/password',
  aws_region: 'us-east-1',
  // The release: a launch template version's user data names the images by digest.
  release_backend_image: `docker.io/acme/ecommerce-backend@sha256:${'a'.repeat(64)}`,
  release_frontend_image: `docker.io/acme/ecommerce-frontend@sha256:${'b'.repeat(64)}`,
  django_secret_key_parameter: '/ecommerce/app/django_secret_key',
  card_fingerprint_key_parameter: '/ecommerce/app/card_fingerprint_key',
  allowed_hosts_parameter: '/ecommerce/deploy/allowed_hosts',
  health_check_path: '/readyz',
  backend_image: '__BACKEND_IMAGE__',
  frontend_image: '__FRONTEND_IMAGE__',
  allowed_hosts: '__ALLOWED_HOSTS__',
  config_bucket: 'ecommerce-monitoring-config-20260101',
  grafana_admin_password_param: '/ecommerce/monitoring/grafana_admin_password',
  grafana_image: 'grafana/grafana-oss:11.3.0',
  prometheus_retention: '15d',
  config_sync_interval_seconds: 120,
  fraud_scan_metrics_key: 'fraud-scan/fraud_scan.prom',
  fraud_scan_fetch_interval: 300,
  fetch_textfile_script: readFileSync(FETCH_TEXTFILE, 'utf8'),
  fraud_model_bucket: 'ecommerce-monitoring-config-20260101',
  fraud_model_key: 'fraud-model/transactions/model.json',
  fetch_fraud_model_script: readFileSync(FETCH_FRAUD_MODEL, 'utf8'),
  fraud_training_bucket: 'ecommerce-monitoring-config-20260101',
  fraud_training_prefix: 'fraud-training/uploads/',
  push_fraud_training_script: readFileSync(PUSH_FRAUD_TRAINING, 'utf8')
};

function pick(keys: string[]): Record<string, string | number> {
  return Object.fromEntries(
    keys.map((key) => {
      if (!(key in SAMPLE)) throw new Error(`no sample value for template variable ${key}`);
      return [key, SAMPLE[key] as string | number];
    })
  );
}

let deployKeys: string[] = [];
let composeKeys: string[] = [];
let monitoringKeys: string[] = [];
let renderedCompose = '';
let renderedDeploy = '';
let renderedMonitoring = '';
const haveCompose = existsSync(COMPOSE);

beforeAll(async () => {
  const root = await loadModule('.');
  const userData = str(block(root, 'module', '', 'ec2').body, 'app_user_data') ?? '';
  deployKeys = templatefileKeys(userData, 'templatefile("${path.module}/deploy.sh", {');
  composeKeys = templatefileKeys(userData, 'templatefile(local.compose_file, {');
  const monitoring = await loadModule('modules/monitoring');
  const instance =
    str(block(monitoring, 'resource', 'aws_instance', 'this').body, 'user_data_base64') ?? '';
  monitoringKeys = templatefileKeys(
    instance,
    'templatefile("${path.module}/templates/user_data.sh.tftpl", {'
  );
  renderedCompose = haveCompose
    ? renderTemplatefile(readFileSync(COMPOSE, 'utf8'), pick(composeKeys))
    : 'services: {}\n';
  renderedDeploy = renderTemplatefile(readFileSync(DEPLOY, 'utf8'), {
    ...pick(deployKeys.filter((k) => k !== 'docker_compose')),
    docker_compose: renderedCompose
  });
  renderedMonitoring = renderTemplatefile(readFileSync(MONITORING, 'utf8'), pick(monitoringKeys));
});

/** The bodies of quoted here-documents (<<'NAME' ... NAME) in a script. */
function heredocs(script: string): { name: string; body: string }[] {
  const found: { name: string; body: string }[] = [];
  const pattern = /<<'(\w+)'\n([\s\S]*?)\n\1\n/g;
  for (let match = pattern.exec(script); match; match = pattern.exec(script)) {
    found.push({ name: match[1] ?? '', body: match[2] ?? '' });
  }
  return found;
}

function shellcheck(script: string): string {
  const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', '-'], {
    input: script,
    encoding: 'utf8'
  });
  if (result.error) throw result.error;
  return result.status === 0 ? '' : result.stdout;
}

describe('deploy.sh rendered for the app servers', () => {
  it("receives the original project's variables and the compose template's exact ones", () => {
    expect(deployKeys).toEqual(
      expect.arrayContaining(['rds_endpoint', 'dockerhub_username', 'docker_compose'])
    );
    expect(deployKeys).not.toContain('dockerhub_password');
    if (!haveCompose) return;
    const readme = readFileSync(path.join(REPO, 'compose', 'README.md'), 'utf8');
    const section = readme.split('## `compose.yml` template variables')[1]?.split('\n## ')[0] ?? '';
    const documented = [...section.matchAll(/^\| `(\w+)` \|/gm)].map((m) => m[1]);
    expect([...composeKeys].sort()).toEqual([...documented].sort());
  });

  it('passes shellcheck, and so do the scripts it installs', () => {
    expect(shellcheck(renderedDeploy)).toBe('');
    const scripts = heredocs(renderedDeploy).filter((doc) => doc.body.startsWith('#!/bin/bash'));
    // ecommerce-deploy, ecommerce-db-setup, ecommerce-refresh-secrets, fetch-fraud-model
    expect(scripts.map((s) => s.name)).toEqual(['SH', 'SH', 'SH', 'FETCH']);
    for (const script of scripts) expect(shellcheck(script.body)).toBe('');
  });

  it('carries the release in the user data; only the boot starts images, the secrets timer renders in refresh mode and never pulls', () => {
    const installed = (name: string): string =>
      renderedDeploy.split(`cat >/usr/local/sbin/${name} <<'SH'\n`)[1]?.split('\nSH\n')[0] ?? '';
    const deploy = installed('ecommerce-deploy');
    const refresh = installed('ecommerce-refresh-secrets');
    const settings = heredocs(renderedDeploy).find((d) => d.name === 'ENV')?.body ?? '';
    expect(settings).toContain(`\nBACKEND_IMAGE=${String(SAMPLE.release_backend_image)}\n`);
    expect(settings).toContain(`\nFRONTEND_IMAGE=${String(SAMPLE.release_frontend_image)}\n`);
    // No image parameter, no image argument: nothing changes a running server's release.
    expect(renderedDeploy).not.toMatch(
      /IMAGE_PARAMETER|DEPLOY_BACKEND_IMAGE|deploy\/backend_image/
    );
    expect(deploy).toContain('python3 /usr/local/lib/ecommerce/render_env.py deploy ');
    expect(deploy).not.toMatch(/\$\{?[12]/);
    // The images are recorded as running just before the containers start with them.
    expect(deploy).toMatch(
      /mv -f "\$images_state\.next" "\$images_state"\n.*\ndocker compose up -d --remove-orphans\n/
    );
    expect(refresh).toContain('python3 /usr/local/lib/ecommerce/render_env.py refresh ');
    expect(refresh).toContain('docker compose up -d --pull never');
    expect(refresh).not.toMatch(/compose (pull|up -d$)|render_env\.py( deploy)? \|\|/m);
  });

  it('installs Python that compiles', () => {
    const python = heredocs(renderedDeploy).filter((doc) => doc.name === 'PY');
    expect(python).toHaveLength(1);
    const dir = mkdtempSync(path.join(tmpdir(), 'tf-py-'));
    try {
      const file = path.join(dir, 'render_env.py');
      writeFileSync(file, python[0]?.body ?? '');
      execFileSync('python3', ['-m', 'py_compile', file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes the rendered compose template byte for byte (quoted here-document)', () => {
    const compose = heredocs(renderedDeploy).find((doc) => doc.name === 'COMPOSE_EOF');
    expect(compose?.body).toBe(renderedCompose);
  });

  it('keeps the images and host names as placeholders the deploy step fills in', () => {
    if (!haveCompose) {
      process.stderr.write(
        'compose/compose.yml is missing: skipping the compose placeholder check\n'
      );
      return;
    }
    const services = (parseYaml(renderedCompose) as { services: Record<string, { image: string }> })
      .services;
    expect(services.backend?.image).toBe('__BACKEND_IMAGE__');
    expect(services.frontend?.image).toBe('__FRONTEND_IMAGE__');
    expect(renderedCompose).toContain('__ALLOWED_HOSTS__');
  });

  it('follows the original project: node_exporter, Docker, login, compose file, pull, up -d, prune, logout, in order', () => {
    const order = [
      'apt-get install -y -q --no-install-recommends prometheus-node-exporter',
      'docker.io docker-compose-v2',
      '>/etc/ecommerce/docker-compose.template.yml',
      'retry login',
      'retry docker compose pull',
      'docker compose up -d',
      'docker logout\n',
      'docker system prune -af',
      'systemctl enable --now ecommerce-refresh-secrets.timer',
      'log "Deploying"\n/usr/local/sbin/ecommerce-deploy\n'
    ];
    const positions = order.map((needle) => renderedDeploy.indexOf(needle));
    expect(positions.every((p) => p > 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(renderedDeploy).toMatch(/^#!\/bin\/bash\n/);
    expect(renderedDeploy).toContain('set -euo pipefail');
    expect(renderedDeploy).toContain('exec >>/var/log/user-data.log 2>&1');
    expect(renderedDeploy).not.toMatch(/^\s*(sudo )?(newgrp|groupadd)\b/m);
    expect(renderedDeploy).toContain('--web.listen-address=$private_ip:9100');
  });

  it('installs fetch-fraud-model byte for byte and runs it on a timer into the directory the backend mounts read-only', () => {
    const installed =
      renderedDeploy
        .split(`cat >/usr/local/sbin/fetch-fraud-model <<'FETCH'\n`)[1]
        ?.split('FETCH\n')[0] ?? '';
    expect(installed).toBe(readFileSync(FETCH_FRAUD_MODEL, 'utf8'));
    const service =
      renderedDeploy
        .split(`cat >/etc/systemd/system/ecommerce-fraud-model.service <<'UNIT'\n`)[1]
        ?.split('\nUNIT\n')[0] ?? '';
    expect(service).toContain(
      'ExecStart=/usr/local/sbin/fetch-fraud-model ecommerce-monitoring-config-20260101 fraud-model/transactions/model.json /var/lib/ecommerce/fraud-model/model.json'
    );
    // The checker runs in the container, which sees the host directory as /fraud-model.
    expect(service).toContain('Environment=FRAUD_MODEL_VALIDATE_DIR=/fraud-model');
    const timer =
      renderedDeploy
        .split(`cat >/etc/systemd/system/ecommerce-fraud-model.timer <<'UNIT'\n`)[1]
        ?.split('\nUNIT\n')[0] ?? '';
    expect(timer).toContain('OnUnitActiveSec=5min');
    expect(renderedDeploy).toContain("fraud_model_bucket='ecommerce-monitoring-config-20260101'");
    expect(renderedDeploy).toMatch(
      /if \[ -n "\$fraud_model_bucket" \]; then\n\s+systemctl enable --now ecommerce-fraud-model.timer\nfi\n(if \[ -n "\$fraud_training_bucket" \]; then\n\s+systemctl enable --now ecommerce-fraud-training.path\nfi\n)?log "Deploying"\n/
    );
    if (!haveCompose) return;
    expect(renderedCompose).toContain('FRAUD_MODEL_PATH: /fraud-model/model.json');
    expect(renderedCompose).toContain('- /var/lib/ecommerce/fraud-model:/fraud-model:ro');
  });

  it('installs push-fraud-training byte for byte, started by a path unit on pending/, only with a bucket', () => {
    const installed =
      renderedDeploy
        .split(`cat >/usr/local/sbin/push-fraud-training <<'PUSH'\n`)[1]
        ?.split('PUSH\n')[0] ?? '';
    expect(installed).toBe(readFileSync(PUSH_FRAUD_TRAINING, 'utf8'));
    const compiled = spawnSync(
      'python3',
      ['-c', 'import sys; compile(sys.stdin.read(), "push-fraud-training", "exec")'],
      {
        input: installed,
        encoding: 'utf8'
      }
    );
    expect(compiled.stderr).toBe('');
    const service =
      renderedDeploy
        .split(`cat >/etc/systemd/system/ecommerce-fraud-training.service <<'UNIT'\n`)[1]
        ?.split('\nUNIT\n')[0] ?? '';
    expect(service).toContain(
      'ExecStart=/usr/local/sbin/push-fraud-training /var/lib/ecommerce/fraud-training ecommerce-monitoring-config-20260101 fraud-training/uploads/'
    );
    // It reads files the container wrote: as the container's own uid, in a read-only system
    // but for its folder — never as root.
    for (const line of [
      'User=10001',
      'Group=10001',
      'NoNewPrivileges=yes',
      'ProtectSystem=strict',
      'ReadWritePaths=/var/lib/ecommerce/fraud-training'
    ]) {
      expect(service.split('\n')).toContain(line);
    }
    expect(renderedDeploy).toMatch(
      /if \[ -n "\$fraud_training_bucket" \]; then\n\s+systemctl enable --now ecommerce-fraud-training.path\nfi\n/
    );
    if (!haveCompose) return;
    expect(renderedCompose).toContain(
      '- /var/lib/ecommerce/fraud-training:/fraud-training-outbox\n'
    );
  });

  it('fits the 16 KB user-data limit once gzipped and base64-encoded', () => {
    expect(gzipSync(renderedDeploy).toString('base64').length).toBeLessThan(16_384);
  });

  it('matches what a real terraform renders (when terraform is on PATH)', () => {
    const vars = {
      ...pick(deployKeys.filter((k) => k !== 'docker_compose')),
      docker_compose: renderedCompose
    };
    if (!terraformAvailable()) {
      process.stderr.write(
        'terraform is not on PATH: skipping the cross-check of the renderer against templatefile()\n'
      );
      return;
    }
    expect(renderWithTerraform(readFileSync(DEPLOY, 'utf8'), vars)).toBe(renderedDeploy);
    expect(renderWithTerraform(readFileSync(MONITORING, 'utf8'), pick(monitoringKeys))).toBe(
      renderedMonitoring
    );
  }, 120_000);
});

describe('the monitoring server user data', () => {
  it('passes shellcheck, and so do the scripts it installs', () => {
    expect(shellcheck(renderedMonitoring)).toBe('');
    const scripts = heredocs(renderedMonitoring).filter((doc) =>
      doc.body.startsWith('#!/bin/bash')
    );
    expect(scripts.map((s) => s.name)).toEqual(['FETCH', 'SH', 'SH']);
    for (const script of scripts) expect(shellcheck(script.body)).toBe('');
  });

  it('installs Python that compiles and holds no secret', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tf-py-'));
    try {
      for (const [index, doc] of heredocs(renderedMonitoring)
        .filter((d) => d.name === 'PY')
        .entries()) {
        const file = path.join(dir, `script${index}.py`);
        writeFileSync(file, doc.body);
        execFileSync('python3', ['-m', 'py_compile', file]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(renderedMonitoring).toContain(
      'GRAFANA_ADMIN_PASSWORD_PARAM=/ecommerce/monitoring/grafana_admin_password'
    );
    expect(gzipSync(renderedMonitoring).toString('base64').length).toBeLessThan(16_384);
  });
});

describe("the monitoring server's fraud-scan metrics path", () => {
  it('installs fetch-textfile byte for byte and runs it on a timer for the one key, into the directory node_exporter reads', () => {
    const fetch = heredocs(renderedMonitoring).find((d) => d.name === 'FETCH');
    expect(`${fetch?.body}\n`).toBe(readFileSync(FETCH_TEXTFILE, 'utf8'));
    const args =
      /cat >\/etc\/default\/prometheus-node-exporter <<'ENV'\nARGS="([^"]*)"/.exec(
        renderedMonitoring
      )?.[1] ?? '';
    expect(args.split(' ')).toEqual([
      '--web.listen-address=127.0.0.1:9100',
      '--collector.disable-defaults',
      '--collector.textfile',
      '--collector.textfile.directory=/var/lib/prometheus/fraud-scan'
    ]);
    const service =
      heredocs(renderedMonitoring).find(
        (d) => d.name === 'UNIT' && d.body.includes('fetch-textfile')
      )?.body ?? '';
    expect(service).toContain(
      'ExecStart=/usr/local/sbin/fetch-textfile ecommerce-monitoring-config-20260101 fraud-scan/fraud_scan.prom /var/lib/prometheus/fraud-scan/fraud_scan.prom'
    );
    expect(renderedMonitoring).toMatch(/\[Timer\]\nOnBootSec=90\nOnUnitActiveSec=300\n/);
    expect(renderedMonitoring).toContain(
      'systemctl enable --now monitoring-sync.timer fraud-scan-metrics.timer'
    );
    expect(renderedMonitoring).toMatch(/apt-get install [^\n]*\\\n[^\n]*prometheus-node-exporter/);
  });

  it('passes the module the key the workflow uploads to, outside the folders the configuration sync mirrors', async () => {
    const monitoring = await loadModule('modules/monitoring');
    expect(monitoring.locals.fraud_scan_metrics_key).toBe(SAMPLE.fraud_scan_metrics_key);
    const workflow = readFileSync(
      path.join(REPO, '.github', 'workflows', 'fraud-scan.yml'),
      'utf8'
    );
    expect(workflow).toContain(`KEY: ${SAMPLE.fraud_scan_metrics_key}\n`);
    const sync =
      heredocs(renderedMonitoring).find((d) => d.name === 'PY' && d.body.includes('DESTINATIONS'))
        ?.body ?? '';
    const top = String(SAMPLE.fraud_scan_metrics_key).split('/')[0];
    expect(sync).toContain('"prometheus": "/etc/prometheus"');
    expect(sync).not.toContain(`"${top}":`);
  });
});

// The monitoring/ templates the monitoring module renders, with exactly the keys it passes.
describe("monitoring/'s templates as the monitoring module renders them", () => {
  const cases = [
    ['prometheus/prometheus.ec2.yml.tftpl', 'aws_s3_object', 'prometheus_config'],
    ['alertmanager/alertmanager.ec2.yml.tftpl', 'aws_s3_object', 'alertmanager_config']
  ] as const;
  for (const [file, type, name] of cases) {
    const template = path.join(REPO, 'monitoring', file);
    const maybe = existsSync(template) ? it : it.skip;
    maybe(`renders ${file} into YAML`, async () => {
      const monitoring = await loadModule('modules/monitoring');
      const content = str(block(monitoring, 'resource', type, name).body, 'content') ?? '';
      const keys = templatefileKeys(content, 'templatefile("${var.config_dir}/${each.value}", {');
      const values: Record<string, string> = {
        region: 'us-east-1',
        project: 'ecommerce',
        sns_topic_arn: 'arn:aws:sns:us-east-1:123456789012:ecommerce-monitoring-alerts'
      };
      const rendered = renderTemplatefile(
        readFileSync(template, 'utf8'),
        Object.fromEntries(keys.map((k) => [k, values[k] ?? '']))
      );
      expect(keys.every((k) => k in values)).toBe(true);
      expect(parseYaml(rendered)).toBeTruthy();
      expect(rendered).not.toContain('${region}');
    });
  }
});

// The deploy step's renderer (render_env.py) against moto's SSM and Secrets Manager: the real
// boto3 calls the servers make, answered by a local stand-in.
describe('the deploy step reading SSM and Secrets Manager (moto)', () => {
  const haveMoto = existsSync(MOTO_SERVER) && existsSync(TOOLS_PYTHON);
  let moto: MotoServer | undefined;
  let endpoint = '';
  let work = '';

  function env(): NodeJS.ProcessEnv {
    return {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test',
      AWS_REGION: 'us-east-1',
      AWS_DEFAULT_REGION: 'us-east-1',
      DOCKERHUB_PASSWORD_PARAMETER: String(SAMPLE.dockerhub_password_parameter),
      BACKEND_IMAGE: String(SAMPLE.release_backend_image),
      FRONTEND_IMAGE: String(SAMPLE.release_frontend_image),
      DJANGO_SECRET_KEY_PARAMETER: String(SAMPLE.django_secret_key_parameter),
      CARD_FINGERPRINT_KEY_PARAMETER: String(SAMPLE.card_fingerprint_key_parameter),
      ALLOWED_HOSTS_PARAMETER: String(SAMPLE.allowed_hosts_parameter),
      DB_SECRET_ARN: secretArn,
      ECOMMERCE_APP_DIR: path.join(work, 'app'),
      ECOMMERCE_COMPOSE_TEMPLATE: path.join(work, 'docker-compose.template.yml'),
      ECOMMERCE_IMAGES_STATE: path.join(work, 'images.env'),
      DB_HOST: String(SAMPLE.rds_endpoint),
      DB_PORT: String(SAMPLE.db_port),
      DB_NAME: String(SAMPLE.db_name),
      APP_DB_USER: String(SAMPLE.db_app_user),
      APP_DB_PASSWORD_PARAMETER: String(SAMPLE.db_app_password_parameter),
      APP_DB_CONNECTION_LIMIT: String(SAMPLE.db_app_connection_limit),
      ECOMMERCE_STATE_DIR: path.join(work, 'state'),
      // db-setup's `docker compose run` reaches the stand-in below, which records what it got.
      PATH: `${path.join(work, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      DOCKER_CALLS: path.join(work, 'docker-calls.jsonl'),
      FAKE_DOCKER_EXIT: fakeDockerExit
    };
  }

  let secretArn = '';
  let fakeDockerExit = '0';
  const MASTER_PASSWORD = "it's $ecret";
  const APP_PASSWORD = 'app-db-password-0123456789abcdef';
  const digest = (c: string): string => `sha256:${c.repeat(64)}`;

  function aws(script: string): string {
    return execFileSync(TOOLS_PYTHON, ['-c', script], { env: env(), encoding: 'utf8' });
  }

  function putParameter(name: string, value: string, type = 'SecureString'): void {
    aws(
      `import boto3; boto3.client("ssm").put_parameter(Name=${JSON.stringify(name)}, Value=${JSON.stringify(value)}, Type="${type}", Overwrite=True)`
    );
  }

  function renderEnvWith(
    extra: NodeJS.ProcessEnv,
    ...args: string[]
  ): { status: number | null; stdout: string; stderr: string } {
    const script = path.join(work, 'render_env.py');
    const result = spawnSync(TOOLS_PYTHON, [script, ...args], {
      env: { ...env(), ...extra },
      encoding: 'utf8',
      timeout: 60_000
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  function renderEnv(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    return renderEnvWith({}, ...args);
  }

  beforeAll(async () => {
    if (!haveMoto) return;
    work = mkdtempSync(path.join(tmpdir(), 'tf-render-env-'));
    execFileSync('mkdir', ['-p', path.join(work, 'app')]);
    writeFileSync(
      path.join(work, 'render_env.py'),
      heredocs(renderedDeploy).find((d) => d.name === 'PY')?.body ?? ''
    );
    writeFileSync(path.join(work, 'docker-compose.template.yml'), renderedCompose);
    moto = await startMoto();
    endpoint = moto.endpoint;
    secretArn = aws(
      'import boto3, json; print(boto3.client("secretsmanager").create_secret(Name="rds!db-test", SecretString=json.dumps({"username": "ecommerce_admin", "password": "it\'s $ecret"}))["ARN"], end="")'
    );
    putParameter(String(SAMPLE.dockerhub_password_parameter), 'registry-token');
    putParameter(String(SAMPLE.django_secret_key_parameter), 'django-key');
    putParameter(String(SAMPLE.card_fingerprint_key_parameter), 'card-key');
    putParameter(
      String(SAMPLE.allowed_hosts_parameter),
      'shop-alb-1.us-east-1.elb.amazonaws.com,shop.example.com',
      'String'
    );
    putParameter(String(SAMPLE.db_app_password_parameter), APP_PASSWORD);
    // A stand-in for docker: one JSON line per call with its arguments, working directory and the
    // variables db-setup hands over by name.
    execFileSync('mkdir', ['-p', path.join(work, 'bin')]);
    writeFileSync(
      path.join(work, 'bin', 'docker'),
      [
        `#!${TOOLS_PYTHON}`,
        'import json, os, sys',
        'names = ["DB_USER", "DB_PASSWORD", "APP_DB_USER", "APP_DB_PASSWORD", "APP_DB_CONNECTION_LIMIT", "RUN_MIGRATIONS"]',
        'with open(os.environ["DOCKER_CALLS"], "a") as f:',
        '    f.write(json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd(), "env": {n: os.environ.get(n) for n in names}}) + "\\n")',
        'sys.exit(int(os.environ.get("FAKE_DOCKER_EXIT", "0")))',
        ''
      ].join('\n'),
      { mode: 0o755 }
    );
  }, 60_000);

  afterAll(async () => {
    await moto?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const maybe = haveMoto ? it : it.skip;
  if (!haveMoto)
    process.stderr.write(
      '.venv-tools (moto) is missing: run bash scripts/test terraform to create it\n'
    );

  maybe(
    'writes backend.env (0600) and the compose file with the user data’s images and the hosts from SSM; says whether anything changed',
    () => {
      const first = renderEnv();
      expect([first.status, first.stderr]).toEqual([3, '']);
      const backendEnv = readFileSync(path.join(work, 'app', 'backend.env'), 'utf8');
      // The app's own role and password: never the master's.
      expect(backendEnv).toBe(
        `DB_USER='ecommerce_app'\nDB_PASSWORD='${APP_PASSWORD}'\nDJANGO_SECRET_KEY='django-key'\nCARD_FINGERPRINT_KEY='card-key'\n`
      );
      expect(backendEnv).not.toContain('ecommerce_admin');
      expect(backendEnv).not.toContain('ecret');
      expect(statSync(path.join(work, 'app', 'backend.env')).mode & 0o777).toBe(0o600);
      const compose = readFileSync(path.join(work, 'app', 'docker-compose.yml'), 'utf8');
      expect(compose).not.toMatch(/__(BACKEND_IMAGE|FRONTEND_IMAGE|ALLOWED_HOSTS)__/);
      if (haveCompose) {
        const services = (parseYaml(compose) as { services: Record<string, { image: string }> })
          .services;
        expect(services.backend?.image).toBe(`docker.io/acme/ecommerce-backend@${digest('a')}`);
        expect(services.frontend?.image).toBe(`docker.io/acme/ecommerce-frontend@${digest('b')}`);
        expect(compose).toContain('shop-alb-1.us-east-1.elb.amazonaws.com,shop.example.com');
      }
      expect(renderEnv().status).toBe(0);
    }
  );

  maybe('adds the optional Stripe keys when their parameters exist', () => {
    putParameter('/ecommerce/app/stripe_secret_key', 'sk_test_1');
    expect(renderEnv().status).toBe(3);
    expect(readFileSync(path.join(work, 'app', 'backend.env'), 'utf8')).toContain(
      "STRIPE_SECRET_KEY='sk_test_1'\n"
    );
  });

  maybe('adds the retraining token and repository when their parameters exist', () => {
    putParameter('/ecommerce/app/fraud_retrain_github_token', 'github_pat_1');
    putParameter('/ecommerce/app/fraud_retrain_github_repository', 'acme/shop');
    expect(renderEnv().status).toBe(3);
    const env = readFileSync(path.join(work, 'app', 'backend.env'), 'utf8');
    expect(env).toContain("FRAUD_RETRAIN_GITHUB_TOKEN='github_pat_1'\n");
    expect(env).toContain("FRAUD_RETRAIN_GITHUB_REPOSITORY='acme/shop'\n");
  });

  maybe(
    'takes FRAUD_SCORING from the backend settings parameter into backend.env; refuses another value, naming it, and writes nothing',
    () => {
      const settings = `${path.dirname(String(SAMPLE.allowed_hosts_parameter))}/backend_settings`;
      const backendEnv = path.join(work, 'app', 'backend.env');
      const put = (value: string) =>
        putParameter(
          settings,
          JSON.stringify({
            DJANGO_HTTPS: 'false',
            DJANGO_CSRF_TRUSTED_ORIGINS: '',
            FRAUD_SCORING: value
          }),
          'String'
        );
      try {
        put('hold');
        expect(renderEnv()).toMatchObject({ status: 3, stderr: '' });
        expect(readFileSync(backendEnv, 'utf8')).toContain("FRAUD_SCORING='hold'\n");
        put('off');
        expect(renderEnv().status).toBe(3);
        expect(readFileSync(backendEnv, 'utf8')).toContain("FRAUD_SCORING='off'\n");
        const before = readFileSync(backendEnv, 'utf8');
        for (const bad of ['block', 'hold\nDJANGO_SECRET_KEY=x']) {
          put(bad);
          const result = renderEnv();
          expect(result.status).toBe(1);
          expect(result.stderr).toContain(
            `FRAUD_SCORING in SSM is not valid here: ${JSON.stringify(bad).replace(/"/g, "'")}`
          );
          expect(readFileSync(backendEnv, 'utf8')).toBe(before);
        }
      } finally {
        aws(`import boto3; boto3.client("ssm").delete_parameter(Name=${JSON.stringify(settings)})`);
        renderEnv();
      }
      expect(readFileSync(backendEnv, 'utf8')).not.toContain('FRAUD_SCORING');
    }
  );

  maybe('prints the registry password for docker login --password-stdin', () => {
    expect(renderEnv('registry-password')).toMatchObject({ status: 0, stdout: 'registry-token' });
  });

  maybe(
    'refuses an image reference that is not pinned by digest, naming it, and writes nothing',
    () => {
      const compose = readFileSync(path.join(work, 'app', 'docker-compose.yml'), 'utf8');
      const result = renderEnvWith({ BACKEND_IMAGE: 'docker.io/acme/ecommerce-backend:latest' });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain(
        "backend image in the user data is not valid here: 'docker.io/acme/ecommerce-backend:latest'"
      );
      expect(readFileSync(path.join(work, 'app', 'docker-compose.yml'), 'utf8')).toBe(compose);
    }
  );

  type DockerCall = { argv: string[]; cwd: string; env: Record<string, string | null> };
  function dockerCalls(): DockerCall[] {
    const file = path.join(work, 'docker-calls.jsonl');
    if (!existsSync(file)) return [];
    return readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as DockerCall);
  }
  const marker = (): string => path.join(work, 'state', 'db-setup.done');

  maybe(
    'db-setup runs the backend image once as the master, whose credentials travel only in the environment',
    () => {
      const result = renderEnv('db-setup');
      expect(result.status).toBe(0);
      const calls = dockerCalls();
      expect(calls).toHaveLength(1);
      const [call] = calls;
      expect(call?.argv).toEqual([
        ...['compose', 'run', '--rm', '--no-deps', '-T'],
        ...['-e', 'DB_USER', '-e', 'DB_PASSWORD', '-e', 'APP_DB_USER', '-e', 'APP_DB_PASSWORD'],
        ...['-e', 'APP_DB_CONNECTION_LIMIT', '-e', 'RUN_MIGRATIONS'],
        ...['backend', 'python', 'manage.py', 'ensure_app_database_role']
      ]);
      expect(call?.cwd).toBe(path.join(work, 'app'));
      expect(call?.env).toEqual({
        DB_USER: 'ecommerce_admin',
        DB_PASSWORD: MASTER_PASSWORD,
        APP_DB_USER: 'ecommerce_app',
        APP_DB_PASSWORD: APP_PASSWORD,
        APP_DB_CONNECTION_LIMIT: '72',
        RUN_MIGRATIONS: 'false'
      });
      // Nothing secret on the command line (ps), in the output, or in the marker it leaves.
      const visible = [
        JSON.stringify(call?.argv),
        result.stdout,
        result.stderr,
        readFileSync(marker(), 'utf8')
      ].join('\n');
      expect(visible).not.toContain('ecret');
      expect(visible).not.toContain(APP_PASSWORD);
      expect(readFileSync(marker(), 'utf8')).toContain(
        'role ecommerce_app limit 72 password /ecommerce/app/db_password version 1'
      );
      expect(statSync(marker()).mode & 0o777).toBe(0o600);
      // Rendering afterwards still gives the containers the app role only.
      renderEnv();
      expect(readFileSync(path.join(work, 'app', 'backend.env'), 'utf8')).not.toContain('ecret');
    }
  );

  maybe('db-setup is a no-op once done, runs again for a new password version or --force', () => {
    const before = dockerCalls().length;
    expect(renderEnv('db-setup')).toMatchObject({ status: 0 });
    expect(dockerCalls()).toHaveLength(before);
    putParameter(String(SAMPLE.db_app_password_parameter), 'a-rotated-app-password-0123456789');
    expect(renderEnv('db-setup')).toMatchObject({ status: 0 });
    expect(dockerCalls()).toHaveLength(before + 1);
    expect(dockerCalls().at(-1)?.env.APP_DB_PASSWORD).toBe('a-rotated-app-password-0123456789');
    expect(readFileSync(marker(), 'utf8')).toContain('version 2');
    expect(renderEnv('db-setup', '--force')).toMatchObject({ status: 0 });
    expect(dockerCalls()).toHaveLength(before + 2);
    expect(renderEnv('db-setup', '--bogus').status).not.toBe(0);
    expect(dockerCalls()).toHaveLength(before + 2);
    putParameter(String(SAMPLE.db_app_password_parameter), APP_PASSWORD);
  });

  maybe("a failed db-setup passes the command's exit code on and records nothing", () => {
    const recorded = readFileSync(marker(), 'utf8');
    putParameter(String(SAMPLE.db_app_password_parameter), 'yet-another-app-password-0123456789');
    fakeDockerExit = '3';
    try {
      const result = renderEnv('db-setup');
      expect(result.status).toBe(3);
      expect(result.stderr).toContain('ensure_app_database_role failed (exit 3)');
      expect(readFileSync(marker(), 'utf8')).toBe(recorded);
    } finally {
      fakeDockerExit = '0';
    }
  });

  maybe('db-setup without the app password parameter says who creates it', () => {
    aws(
      `import boto3; boto3.client("ssm").delete_parameter(Name=${JSON.stringify(SAMPLE.db_app_password_parameter)})`
    );
    const before = dockerCalls().length;
    const result = renderEnv('db-setup');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(
      "/ecommerce/app/db_password does not exist: the deploy workflow's app-secrets step"
    );
    expect(dockerCalls()).toHaveLength(before);
    putParameter(String(SAMPLE.db_app_password_parameter), APP_PASSWORD);
  });
  maybe(
    'a deploy takes the release from the user data; the timer (refresh) keeps the images the containers run',
    () => {
      const backend = (c: string): string => `docker.io/acme/ecommerce-backend@${digest(c)}`;
      const frontend = (c: string): string => `docker.io/acme/ecommerce-frontend@${digest(c)}`;
      const composeFile = path.join(work, 'app', 'docker-compose.yml');
      const state = path.join(work, 'images.env');
      const running = (): string[] => {
        const compose = readFileSync(composeFile, 'utf8');
        return [backend, frontend].map(
          (image) =>
            compose.match(new RegExp(`${image('x').split('@')[0]}@sha256:[0-9a-f]{64}`))?.[0] ?? ''
        );
      };
      rmSync(state, { force: true });
      rmSync(`${state}.next`, { force: true });

      // The boot's deploy renders the release and stages it for ecommerce-deploy, which moves the
      // file into place just before docker compose up.
      expect(renderEnv('deploy').stderr).toBe('');
      expect(running()).toEqual([backend('a'), frontend('b')]);
      expect(readFileSync(`${state}.next`, 'utf8')).toBe(
        `BACKEND_IMAGE=${backend('a')}\nFRONTEND_IMAGE=${frontend('b')}\n`
      );
      renameSync(`${state}.next`, state);

      // A secret rotates: the timer takes the secret and keeps the images the containers run,
      // whatever the environment says (it never reads an image from anywhere but images.env).
      putParameter(String(SAMPLE.django_secret_key_parameter), 'django-key-rotated');
      expect(
        renderEnvWith({ BACKEND_IMAGE: backend('c'), FRONTEND_IMAGE: 'not-an-image' }, 'refresh')
      ).toMatchObject({ status: 3, stderr: '' });
      expect(readFileSync(path.join(work, 'app', 'backend.env'), 'utf8')).toContain(
        "DJANGO_SECRET_KEY='django-key-rotated'\n"
      );
      expect(running()).toEqual([backend('a'), frontend('b')]);
      expect(existsSync(`${state}.next`)).toBe(false);
      expect(renderEnv('refresh').status).toBe(0);

      // Before any deploy started a container (no images.env), the timer leaves the compose file alone.
      rmSync(state);
      writeFileSync(composeFile, 'services: {}\n');
      renderEnv('refresh');
      expect(readFileSync(composeFile, 'utf8')).toBe('services: {}\n');

      putParameter(String(SAMPLE.django_secret_key_parameter), 'django-key');
      renderEnv('deploy');
    }
  );
});
