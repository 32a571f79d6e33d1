import { describe, expect, it } from '@jest/globals';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo, hostname } from 'node:os';
import path from 'node:path';
import { runBundle } from '../../../tests/kit/action-bundle.js';

// With a real Terraform binary on PATH (optional: a fresh machine has none), run the bundle
// against a root that needs no provider download: terraform_data resources (built into
// Terraform) and the local backend configured through backend-config.

const version = spawnSync('terraform', ['version'], { encoding: 'utf8' });
const haveTerraform = version.status === 0 && /^Terraform v1\./.test(version.stdout ?? '');
const describeReal = haveTerraform ? describe : describe.skip;
if (!haveTerraform) {
  console.log('No terraform binary on PATH: the real-Terraform tests are skipped.');
}

const ROOT = `terraform {
  backend "local" {}
}

variable "backend_image" {
  type = string
}

variable "registry_token" {
  type      = string
  sensitive = true
}

resource "terraform_data" "image" {
  input = var.backend_image
}

resource "terraform_data" "token_length" {
  input = length(var.registry_token)
}

output "backend_image" {
  value = terraform_data.image.output
}

output "token" {
  value     = var.registry_token
  sensitive = true
}
`;

describeReal('terraform bundle with a real Terraform', () => {
  it('plans, applies exactly the saved plan, reports a real held lock by its holder', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'tf-real-'));
    mkdirSync(path.join(ws, 'infra'));
    writeFileSync(path.join(ws, 'infra/main.tf'), ROOT);
    const state = path.join(ws, 'state.tfstate');
    const env = { TF_CLI_CONFIG_FILE: path.join(ws, 'none.tfrc') };
    writeFileSync(env.TF_CLI_CONFIG_FILE, '');
    const common = {
      'working-directory': 'infra',
      'backend-config': `path=${state}`,
      'secret-variables': 'registry_token=real-secret-value-123'
    };

    const plan = await runBundle('terraform', {
      cwd: ws,
      env,
      inputs: {
        ...common,
        mode: 'plan',
        variables: 'backend_image=repo/backend@sha256:' + 'c'.repeat(64)
      }
    });
    expect(plan.errors).toEqual([]);
    expect(plan.outputs).toMatchObject({
      add: '2',
      change: '0',
      destroy: '0',
      'has-changes': 'true'
    });
    expect(plan.summary).toContain('| ➕ create | `terraform_data.image` |');
    expect(plan.summary).toContain('Plan: 2 to add, 0 to change, 0 to destroy.');

    const apply = await runBundle('terraform', {
      cwd: ws,
      env,
      inputs: { ...common, mode: 'apply' }
    });
    expect(apply.errors).toEqual([]);
    expect(apply.outputs.backend_image).toBe('repo/backend@sha256:' + 'c'.repeat(64));
    expect(apply.masked).toContain('real-secret-value-123');
    expect(JSON.parse(apply.outputs.outputs ?? '{}')).toEqual({
      backend_image: 'repo/backend@sha256:' + 'c'.repeat(64),
      token: null
    });
    expect(readFileSync(state, 'utf8')).toContain('terraform_data');

    // A second apply of the same plan: Terraform itself finds it stale.
    const again = await runBundle('terraform', {
      cwd: ws,
      env,
      inputs: { ...common, mode: 'apply' }
    });
    expect(again.errors[0]).toContain('Refusing a stale plan: Terraform says the state changed');

    // Hold the lock with an interactive apply waiting for its "yes", then plan with a short
    // lock-timeout: the action must name the holder.
    const holder = spawn(
      'terraform',
      ['apply', '-no-color', '-var', 'backend_image=x', '-var', 'registry_token=y'],
      {
        cwd: path.join(ws, 'infra'),
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe']
      }
    );
    try {
      await new Promise<void>((resolve, reject) => {
        let out = '';
        const timer = setTimeout(() => reject(new Error(`holder never prompted: ${out}`)), 30_000);
        holder.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          if (out.includes('Enter a value')) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const locked = await runBundle('terraform', {
        cwd: ws,
        env,
        inputs: { ...common, mode: 'plan', 'lock-timeout': '1s', variables: 'backend_image=z' }
      });
      expect(locked.errors[0]).toContain(
        `The Terraform state is locked by ${userInfo().username}@${hostname()}`
      );
      expect(locked.errors[0]).toContain('operation OperationTypeApply');
      expect(locked.errors[0]).toMatch(/force-unlock [0-9a-f-]{36}/);
    } finally {
      holder.kill('SIGKILL');
    }
  }, 120_000);
});

describeReal('the plan fingerprint with a real Terraform', () => {
  // A root shaped like the shop's: the image goes into a parameter and, gzipped and base64
  // encoded, into user data beside other configuration.
  const IMAGES_ROOT = `terraform {
  backend "local" {}
}

variable "backend_image" {
  type = string
}

variable "greeting" {
  type = string
}

resource "terraform_data" "parameter" {
  input = var.backend_image
}

resource "terraform_data" "launch_template" {
  input = base64gzip("#!/bin/sh\\nBACKEND_IMAGE='\${var.backend_image}'\\necho \${var.greeting}\\n")
}
`;
  const image = (digit: string) => `docker.io/octo/ecommerce-backend@sha256:${digit.repeat(64)}`;

  it('a new image alone leaves nothing to review; the same configuration change fingerprints alike with either image', async () => {
    const ws = mkdtempSync(path.join(tmpdir(), 'tf-real-fp-'));
    mkdirSync(path.join(ws, 'infra'));
    writeFileSync(path.join(ws, 'infra/main.tf'), IMAGES_ROOT);
    const env = { TF_CLI_CONFIG_FILE: path.join(ws, 'none.tfrc') };
    writeFileSync(env.TF_CLI_CONFIG_FILE, '');
    const common = {
      'working-directory': 'infra',
      'backend-config': `path=${path.join(ws, 'state.tfstate')}`,
      'unreviewed-variables': 'backend_image'
    };
    const plan = async (backend: string, greeting: string) => {
      const run = await runBundle('terraform', {
        cwd: ws,
        env,
        inputs: {
          ...common,
          mode: 'plan',
          variables: `backend_image=${backend}\ngreeting=${greeting}`
        }
      });
      expect(run.errors).toEqual([]);
      return run.outputs.fingerprint ?? '';
    };
    await plan(image('a'), 'hello');
    const applied = await runBundle('terraform', {
      cwd: ws,
      env,
      inputs: { ...common, mode: 'apply', 'unreviewed-variables': '' }
    });
    expect(applied.errors).toEqual([]);

    const nothing = createHash('sha256').update('[]').digest('hex');
    expect(await plan(image('b'), 'hello')).toBe(nothing);
    const reviewed = await plan(image('a'), 'good morning');
    expect(reviewed).not.toBe(nothing);
    expect(await plan(image('b'), 'good morning')).toBe(reviewed);
    expect(await plan(image('b'), 'good night')).not.toBe(reviewed);
  });
});
