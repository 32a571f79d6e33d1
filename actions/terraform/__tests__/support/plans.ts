import { gzipSync } from 'node:zlib';
import type { PlanDocument, ResourceChange } from '../../src/plan-json.js';

// Plan documents in the shape `terraform show -json` prints (format 1.2), built to order: the
// shop's launch template, whose user data names the images, plus whatever a test adds, so two
// plans can differ in exactly one thing.

export const IMAGE_A = `docker.io/octo/ecommerce-backend@sha256:${'a'.repeat(64)}`;
export const IMAGE_B = `docker.io/octo/ecommerce-backend@sha256:${'b'.repeat(64)}`;
export const FRONT_A = `docker.io/octo/ecommerce-frontend@sha256:${'c'.repeat(64)}`;
export const FRONT_B = `docker.io/octo/ecommerce-frontend@sha256:${'d'.repeat(64)}`;

/** The app servers' user data as Terraform encodes it (base64gzip), naming both images. */
export function appUserData(backend: string, frontend: string, compose = 'services: {}'): string {
  return gzipSync(
    `#!/bin/bash\nBACKEND_IMAGE='${backend}'\nFRONTEND_IMAGE='${frontend}'\ncat <<'EOF'\n${compose}\nEOF\n`
  ).toString('base64');
}

/**
 * terraform/modules/ec2's launch template as Terraform plans it when the servers run `before`
 * (backend, frontend) and the plan names `after`: a new version, whose number is known only
 * after the apply.
 */
export function launchTemplate(
  before: [string, string] | null,
  after: [string, string],
  compose = 'services: {}'
): ResourceChange {
  const same = before !== null && before[0] === after[0] && before[1] === after[1];
  const userData = appUserData(after[0], after[1], compose);
  return {
    address: 'module.ec2.aws_launch_template.app',
    module_address: 'module.ec2',
    mode: 'managed',
    type: 'aws_launch_template',
    name: 'app',
    change: {
      actions: before === null ? ['create'] : same ? ['no-op'] : ['update'],
      before:
        before === null
          ? null
          : {
              name: 'ecommerce-app',
              user_data: appUserData(before[0], before[1], compose),
              latest_version: 4
            },
      after: { name: 'ecommerce-app', user_data: userData },
      after_unknown: same ? {} : { latest_version: true, default_version: true },
      after_sensitive: {}
    }
  };
}

export function resource(
  address: string,
  actions: ResourceChange['change']['actions'],
  after: Record<string, unknown> | null,
  extra: Partial<ResourceChange['change']> = {}
): ResourceChange {
  const [type = 'aws_x', name = 'this'] = address.split('.').slice(-2);
  return {
    address,
    mode: 'managed',
    type,
    name,
    change: {
      actions,
      before: actions.includes('create') && !actions.includes('delete') ? null : {},
      after,
      after_unknown: {},
      after_sensitive: {},
      ...extra
    }
  };
}

/** A plan made with these images (as `-var`s) and these further resource changes. */
export function shopPlan(
  images: {
    backend: string;
    frontend: string;
    deployedBackend?: string;
    deployedFrontend?: string;
  },
  changes: ResourceChange[] = []
): PlanDocument {
  return {
    format_version: '1.2',
    terraform_version: '1.11.4',
    variables: {
      region: { value: 'us-east-1' },
      backend_image: { value: images.backend },
      frontend_image: { value: images.frontend }
    },
    // A test's own launch template change stands in for the default one.
    resource_changes: [
      ...(changes.some((c) => c.address === 'module.ec2.aws_launch_template.app')
        ? []
        : [
            launchTemplate(
              [images.deployedBackend ?? IMAGE_A, images.deployedFrontend ?? FRONT_A],
              [images.backend, images.frontend]
            )
          ]),
      ...changes
    ],
    output_changes: {},
    applyable: true,
    complete: true,
    errored: false
  };
}
