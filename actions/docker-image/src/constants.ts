/** Input names, as in action.yml. */
export const Input = {
  Image: 'image',
  Registry: 'registry',
  Username: 'username',
  Context: 'context',
  Dockerfile: 'dockerfile',
  Push: 'push',
  Latest: 'latest',
  Tags: 'tags',
  Labels: 'labels',
  Description: 'description',
  CacheScope: 'cache-scope',
  Platforms: 'platforms',
  Provenance: 'provenance',
  Sbom: 'sbom',
  Attest: 'attest'
} as const;

/** Outputs of the plan step, read by the later steps of action.yml. */
export const PlanOutput = {
  Image: 'image',
  Registry: 'registry',
  Login: 'login',
  Push: 'push',
  Tags: 'tags',
  Labels: 'labels',
  Version: 'version',
  CacheFrom: 'cache-from',
  CacheTo: 'cache-to',
  Platforms: 'platforms',
  Provenance: 'provenance',
  Sbom: 'sbom',
  Dockerfile: 'dockerfile',
  Context: 'context',
  Attest: 'attest',
  AttestationSubject: 'attestation-subject'
} as const;

/** Outputs of the report step: the action's own outputs. */
export const ReportOutput = {
  Image: 'image',
  Digest: 'digest',
  Tags: 'tags'
} as const;

/** Environment the composite action gives its steps (not user inputs). */
export const Env = {
  Step: 'DOCKER_IMAGE_STEP',
  /** "true" when a password was given: the plan step never sees the password itself. */
  HasPassword: 'DOCKER_IMAGE_HAS_PASSWORD',
  PlanImage: 'DOCKER_IMAGE_PLAN_IMAGE',
  PlanTags: 'DOCKER_IMAGE_PLAN_TAGS',
  PlanPush: 'DOCKER_IMAGE_PLAN_PUSH',
  PlanPlatforms: 'DOCKER_IMAGE_PLAN_PLATFORMS',
  BuildDigest: 'DOCKER_IMAGE_BUILD_DIGEST',
  PlanAttest: 'DOCKER_IMAGE_PLAN_ATTEST'
} as const;
