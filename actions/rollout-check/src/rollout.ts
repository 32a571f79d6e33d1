import { errorMessage } from '../../shared/src/errors.js';
import { documentParameters, restoreImage, shortImage, type ImageState } from './images.js';
import type { ServerState } from './instances.js';
import {
  redeployServer,
  serverLabel,
  type RedeployClients,
  type RedeployOptions,
  type RedeployResult
} from './redeploy.js';

/**
 * The rolling redeploy and, when a server fails, the rollback: the previous image references go
 * back into SSM and every server the rollout already changed — the failed one included — is
 * redeployed with them, one at a time, out of the target group and back in when healthy.
 */

export interface ServerOutcome {
  server: ServerState;
  /** Undefined for servers the rollout never reached (it stopped at an earlier failure). */
  forward: RedeployResult | undefined;
  /** Undefined when no rollback ran on this server. */
  rollback: RedeployResult | undefined;
}

export interface RestoredParameter {
  name: string;
  from: string;
  to: string;
  /** The version PutParameter created; 0 when it failed. */
  version: number;
  error: string;
}

export type RolloutOutcome =
  | { kind: 'deployed'; servers: ServerOutcome[] }
  | {
      kind: 'rolled-back' | 'rollback-incomplete' | 'not-rolled-back';
      servers: ServerOutcome[];
      /** The first lines of the failure: what was rolled back, or why not, and what to do. */
      headline: string[];
      restored: RestoredParameter[];
      /** The forward failure that started it. */
      failure: RedeployResult;
    };

/** What the rollback would deploy, or why there is nothing to roll back to. */
function rollbackPlan(
  images: readonly ImageState[] | undefined
): { ok: true; targets: ImageState[] } | { ok: false; why: string } {
  if (!images || images.length === 0) {
    return {
      ok: false,
      why:
        'No image-parameters were given, so the previous image references are unknown: ' +
        'nothing was rolled back.'
    };
  }
  const changed = images.filter((s) => s.changed);
  if (changed.length === 0) {
    const written = images
      .map(
        (s) =>
          `${s.parameter.name} v${s.current.version} (${s.current.modified?.toISOString() ?? '?'})`
      )
      .join(', ');
    return {
      ok: false,
      why:
        `This deploy changed no image parameter (last written: ${written}), so the servers got ` +
        'the images they already had; there is no earlier release to go back to, and nothing ' +
        'was rolled back.'
    };
  }
  const firstDeploy = changed.filter((s) => !s.previous);
  if (firstDeploy.length > 0) {
    return {
      ok: false,
      why:
        `${firstDeploy.map((s) => s.parameter.name).join(' and ')} ${firstDeploy.length > 1 ? 'have' : 'has'} ` +
        'no earlier digest-pinned version (a first deploy): there is no previous image to roll ' +
        'back to, and ' +
        'nothing was rolled back.'
    };
  }
  return { ok: true, targets: changed };
}

function imagesText(states: readonly ImageState[], pick: (s: ImageState) => string): string {
  return states.map((s) => `${s.parameter.documentParameter} ${pick(s)}`).join(', ');
}

/**
 * Redeploy every server in order, stopping at the first that fails; then roll back. `images`:
 * the states read before the first server (undefined without image-parameters, when the
 * document reads SSM itself and no rollback is possible).
 */
export async function rollOut(
  clients: RedeployClients,
  servers: readonly ServerState[],
  options: RedeployOptions,
  images: readonly ImageState[] | undefined,
  log: (line: string) => void
): Promise<RolloutOutcome> {
  const outcomes: ServerOutcome[] = servers.map((server) => ({
    server,
    forward: undefined,
    rollback: undefined
  }));
  const newParameters = images ? documentParameters(images, (s) => s.current.value) : undefined;
  if (images) log(`Rolling out ${imagesText(images, (s) => s.current.value)}`);

  let failure: RedeployResult | undefined;
  for (const [index, outcome] of outcomes.entries()) {
    log(`Server ${index + 1}/${outcomes.length}: ${serverLabel(outcome.server)}`);
    outcome.forward = await redeployServer(clients, outcome.server, options, newParameters, log);
    if (!outcome.forward.ok) {
      failure = outcome.forward;
      break;
    }
  }
  if (!failure) return { kind: 'deployed', servers: outcomes };

  const failedLabel = serverLabel(failure);
  log(`ROLLOUT FAILED on ${failedLabel}: ${failure.error.split('\n')[0] ?? ''}`);
  const touched = outcomes.filter((o) => o.forward?.touched);
  const plan = rollbackPlan(images);
  if (!plan.ok) {
    log(`NOT ROLLED BACK: ${plan.why}`);
    return {
      kind: 'not-rolled-back',
      servers: outcomes,
      headline: [
        `Not rolled back: the rollout failed on ${failedLabel}. ${plan.why}`,
        touched.length
          ? `Servers that may run the new images: ${touched.map((o) => serverLabel(o.server)).join(', ')}.`
          : 'No server received the new images.'
      ],
      restored: [],
      failure
    };
  }

  // 1. SSM back to the previous references: a server that boots from here on (its first deploy
  // reads SSM) and the next plan see what the servers run again.
  const restored: RestoredParameter[] = [];
  for (const state of plan.targets) {
    const to = state.previous?.value ?? '';
    const entry: RestoredParameter = {
      name: state.parameter.name,
      from: state.current.value,
      to,
      version: 0,
      error: ''
    };
    try {
      entry.version = await restoreImage(clients.ssm, state.parameter.name, to);
      log(`Restored ${state.parameter.name} to ${to} (new version ${entry.version})`);
    } catch (error) {
      entry.error = errorMessage(error);
      log(`Could NOT restore ${state.parameter.name} to ${to}: ${entry.error}`);
    }
    restored.push(entry);
  }

  // 2. Each server the rollout changed, in the same order, with the previous references
  // (parameters this release did not change keep their current value).
  const previousParameters = documentParameters(images ?? [], (s) =>
    s.changed && s.previous ? s.previous.value : s.current.value
  );
  const previousText = imagesText(images ?? [], (s) =>
    s.changed && s.previous ? s.previous.value : s.current.value
  );
  log(`Rolling back ${touched.length} server(s) to ${previousText}`);
  for (const [index, outcome] of touched.entries()) {
    log(`Rollback ${index + 1}/${touched.length}: ${serverLabel(outcome.server)}`);
    outcome.rollback = await redeployServer(
      clients,
      outcome.server,
      options,
      previousParameters,
      log
    );
  }

  const notBack = touched.filter((o) => !o.rollback?.ok);
  const outOfGroup = outcomes.filter(
    (o) => o.forward?.registered === false || o.rollback?.registered === false
  );
  const failedRestores = restored.filter((r) => r.error);
  const shortPrevious = (images ?? [])
    .filter((s) => s.changed)
    .map((s) => shortImage(s.previous?.value ?? ''))
    .join(' + ');
  const headline: string[] = [];
  const where = touched.length
    ? `on ${touched.map((o) => serverLabel(o.server)).join(', ')}`
    : 'in SSM (no server had received the new images)';
  if (notBack.length === 0 && failedRestores.length === 0 && outOfGroup.length === 0) {
    headline.push(
      `Rolled back to ${previousText} ${where}.`,
      `The rollout had failed on ${failedLabel}; SSM holds the previous references again ` +
        `(${shortPrevious}). Fix the release and deploy again; Terraform's next plan writes the ` +
        'new references back.'
    );
    log(`ROLLED BACK: ${headline[0] ?? ''}`);
    return { kind: 'rolled-back', servers: outcomes, headline, restored, failure };
  }

  headline.push(
    `Rollback INCOMPLETE after the rollout failed on ${failedLabel}; previous images: ${previousText}.`
  );
  for (const r of failedRestores) {
    headline.push(
      `SSM ${r.name} still holds ${r.from} (restoring failed: ${r.error}): put ${r.to} back by hand ` +
        `(aws ssm put-parameter --name ${r.name} --type String --overwrite --value ${r.to}).`
    );
  }
  for (const o of notBack) {
    headline.push(
      `${serverLabel(o.server)} is NOT healthy on the previous images (${(o.rollback?.error ?? '').split('\n')[0] ?? ''}). ` +
        'It stays registered: the load balancer sends it no traffic while its health check ' +
        'fails and takes it back once it passes. Look at /var/log/ecommerce-deploy.log on it.'
    );
  }
  for (const o of outOfGroup) {
    headline.push(
      `${serverLabel(o.server)} is OUT of the target group (registering it failed): aws elbv2 ` +
        `register-targets --target-group-arn ${options.targetGroupArn ?? '?'} --targets Id=${o.server.id}`
    );
  }
  const rolledBack = touched.filter((o) => o.rollback?.ok);
  if (rolledBack.length) {
    headline.push(`Rolled back: ${rolledBack.map((o) => serverLabel(o.server)).join(', ')}.`);
  }
  log(`ROLLBACK INCOMPLETE: ${headline.slice(1).join(' ')}`);
  return { kind: 'rollback-incomplete', servers: outcomes, headline, restored, failure };
}
