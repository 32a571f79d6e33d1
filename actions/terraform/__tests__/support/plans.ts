import type { PlanDocument, ResourceChange } from '../../src/plan-json.js';

// Plan documents in the shape `terraform show -json` prints (format 1.2), built to order: the
// shop's image parameters and a server whose user data names the image, plus whatever a test
// adds, so two plans can differ in exactly one thing.

export const IMAGE_A = `docker.io/octo/ecommerce-backend@sha256:${'a'.repeat(64)}`;
export const IMAGE_B = `docker.io/octo/ecommerce-backend@sha256:${'b'.repeat(64)}`;
export const FRONT_A = `docker.io/octo/ecommerce-frontend@sha256:${'c'.repeat(64)}`;
export const FRONT_B = `docker.io/octo/ecommerce-frontend@sha256:${'d'.repeat(64)}`;

/** The image parameter as Terraform plans it when the deployed image is `before`. */
export function imageParameter(name: string, before: string, after: string): ResourceChange {
  return {
    address: `aws_ssm_parameter.${name}`,
    mode: 'managed',
    type: 'aws_ssm_parameter',
    name,
    change: {
      actions: before === after ? ['no-op'] : ['update'],
      before: { name: `/ecommerce/deploy/${name}`, type: 'String', value: before, version: 3 },
      after: { name: `/ecommerce/deploy/${name}`, type: 'String', value: after },
      // The provider cannot know the next version number before the update.
      after_unknown: before === after ? {} : { version: true },
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
    resource_changes: [
      imageParameter('backend_image', images.deployedBackend ?? IMAGE_A, images.backend),
      imageParameter('frontend_image', images.deployedFrontend ?? FRONT_A, images.frontend),
      ...changes
    ],
    output_changes: {},
    applyable: true,
    complete: true,
    errored: false
  };
}
