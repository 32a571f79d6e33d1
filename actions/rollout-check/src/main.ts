import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { sleep } from '../../shared/src/retry.js';
import { appendSummary, details, formatDuration, markdownTable } from '../../shared/src/summary.js';
import { Input, Output } from './constants.js';
import { type RolloutInputs, readInputs } from './inputs.js';
import { describeServers, ec2Client, isReady, type ServerState } from './instances.js';
import { probe, type Expectation, type ProbeResult } from './probe.js';
import { IMAGE_REFERENCE, readImageStates, shortImage, type ImageState } from './images.js';
import { redeployClients, type RedeployClients, type RedeployResult } from './redeploy.js';
import { rollOut, type RolloutOutcome, type ServerOutcome } from './rollout.js';

// EC2 errors no amount of waiting fixes: the credentials or the role's permissions.
const FATAL_EC2_ERRORS = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'OptInRequired'
]);

const REQUEST_TIMEOUT_MS = 10_000;

/**
 * The image parameters' current and previous values, before the first server: a parameter that
 * is missing, refused or holds another image than this deploy built stops the rollout before
 * it changes anything.
 */
async function readImages(
  clients: RedeployClients,
  inputs: RolloutInputs
): Promise<ImageState[] | undefined> {
  if (!inputs.imageParameters) return undefined;
  let states: ImageState[];
  try {
    states = await readImageStates(
      clients.ssm,
      inputs.imageParameters,
      Date.now(),
      inputs.releaseMaxAgeMs
    );
  } catch (error) {
    const name = (error as Error).name;
    if (name === 'ParameterNotFound') {
      throw new ConfigurationError(
        `Input "${Input.ImageParameters}": a parameter does not exist in SSM (${errorMessage(error)}); ` +
          'name the ones Terraform writes (/<project>/deploy/backend_image, frontend_image).'
      );
    }
    if (name === 'AccessDeniedException' || name === 'AccessDenied') {
      throw new ConfigurationError(
        `SSM refused to read the image parameters (${errorMessage(error)}). The rollout role needs ` +
          'ssm:GetParameter, GetParameterHistory and PutParameter on /<project>/deploy/*_image ' +
          '(terraform/bootstrap: RestoreImageReferences).'
      );
    }
    throw error;
  }
  for (const s of states) {
    if (s.parameter.expected !== undefined && s.current.value !== s.parameter.expected) {
      throw new Error(
        `${s.parameter.name} holds ${s.current.value}, not ${s.parameter.expected} (the image this ` +
          'deploy built): another apply or a hand edit changed it. No server was touched; run the ' +
          'deploy again.'
      );
    }
    if (!IMAGE_REFERENCE.test(s.current.value)) {
      throw new Error(
        `${s.parameter.name} holds "${s.current.value}", which is not pinned by digest: the deploy ` +
          'document refuses it. No server was touched.'
      );
    }
    if (s.previous && !IMAGE_REFERENCE.test(s.previous.value)) {
      // An older value from before digests were required: not something a rollback may deploy.
      s.previous = undefined;
    }
  }
  return states;
}

function serverLine(s: ServerState): string {
  return `${s.name || '(no Name tag)'} ${s.id} ${s.state}, status checks instance=${s.instanceStatus} system=${s.systemStatus}`;
}

function probeLine(p: ProbeResult): string {
  const body = p.bodyExcerpt ? ` "${p.bodyExcerpt}"` : '';
  return `${p.label} ${p.url} → ${p.detail}${body}`;
}

function serversTable(servers: readonly ServerState[]): string {
  if (servers.length === 0) return '_No server matched the tags._';
  return markdownTable(
    ['Server', 'Instance', 'Zone', 'State', 'Instance check', 'System check', 'Ready'],
    servers.map((s) => [
      s.name,
      s.id,
      s.zone,
      s.state,
      s.instanceStatus,
      s.systemStatus,
      isReady(s) ? '✅' : '❌'
    ])
  );
}

function probesTable(probes: readonly ProbeResult[]): string {
  if (probes.length === 0) return '_The load balancer was not probed._';
  return markdownTable(
    ['Check', 'URL', 'Answer', 'Time', 'Body (start)'],
    probes.map((p) => [
      p.ok ? `✅ ${p.label}` : `❌ ${p.label}`,
      p.url,
      p.detail,
      `${p.ms} ms`,
      p.bodyExcerpt
    ])
  );
}

function stepText(result: RedeployResult | undefined, none: string): string {
  if (!result) return none;
  const took = formatDuration(result.ms);
  const command = result.commandId ? `, command ${result.commandId}` : '';
  if (result.ok) return `✅ ${result.status}, healthy (${took}${command})`;
  const why = result.error.split('\n')[0] ?? '';
  const out = result.registered ? '' : ' — OUT of the target group';
  // A document that succeeded on a server that then never turned healthy: say so, not "Success".
  const what = result.status === 'Success' ? 'document succeeded;' : `${result.status}:`;
  return `❌ ${what} ${why} (${took}${command})${out}`;
}

/** One row per server: how the new images went, and the rollback. */
function redeployTable(servers: readonly ServerOutcome[], rolledBack: boolean): string {
  return markdownTable(
    ['Server', 'Instance', 'New images', ...(rolledBack ? ['Rollback'] : [])],
    servers.map((o) => [
      o.server.name,
      o.server.id,
      stepText(o.forward, 'not reached (the rollout stopped earlier)'),
      ...(rolledBack
        ? [stepText(o.rollback, o.forward?.touched ? 'not run' : '— (did not change)')]
        : [])
    ])
  );
}

function imagesTable(images: readonly ImageState[], outcome: RolloutOutcome): string {
  const restored = outcome.kind === 'deployed' ? [] : outcome.restored;
  return markdownTable(
    ['Parameter', 'Rolled out', 'Previous', 'Now in SSM'],
    images.map((s) => {
      const r = restored.find((x) => x.name === s.parameter.name);
      const now =
        r && !r.error
          ? `${r.to} (v${r.version}, restored)`
          : `${s.current.value} (v${s.current.version})`;
      const previous = s.previous
        ? `${s.previous.value} (v${s.previous.version})${s.changed ? '' : ', not this release'}`
        : 'none (first deploy)';
      return [s.parameter.name, s.current.value, previous, now];
    })
  );
}

function tagText(tags: Record<string, string>): string {
  return Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
}

/**
 * Wait for the app servers, then for the shop through the load balancer; on timeout, fail with
 * everything seen last, so the person on call starts from evidence rather than a stack trace.
 */
export async function run(inputs: RolloutInputs): Promise<void> {
  const client = ec2Client(inputs.region, inputs.ec2Endpoint);
  const started = Date.now();
  let deadline = started + inputs.timeoutMs;
  let servers: ServerState[] = [];
  let probes: ProbeResult[] = [];
  let lastEc2Error = '';
  let lastReport = '';
  const report = (text: string): void => {
    if (text !== lastReport) core.info(`[${formatDuration(Date.now() - started)}] ${text}`);
    lastReport = text;
  };

  const checks: [string, string, Expectation][] = [
    ['health', inputs.paths.health, 'any'],
    ['catalog API', inputs.paths.api, 'json'],
    ['storefront', inputs.paths.storefront, 'html']
  ];
  const probeAll = (): Promise<ProbeResult[]> =>
    Promise.all(
      checks.map(([label, path, expect]) =>
        probe(label, `${inputs.baseUrl}${path}`, expect, REQUEST_TIMEOUT_MS)
      )
    );

  const fail = async (phase: string): Promise<never> => {
    if (probes.length === 0) probes = await probeAll();
    const waited = formatDuration(Date.now() - started);
    await appendSummary(
      [
        '### Rollout check — ❌ not healthy',
        '',
        `Gave up after ${waited} (${phase}).`,
        '',
        `#### Servers (${tagText(inputs.tagFilters)})`,
        '',
        serversTable(servers),
        '',
        '#### The shop through the load balancer (last answers)',
        '',
        probesTable(probes),
        ''
      ].join('\n')
    );
    const lines = [
      `The rollout did not become healthy within ${formatDuration(inputs.timeoutMs)} (${phase}).`,
      `Servers tagged ${tagText(inputs.tagFilters)}:`,
      ...(servers.length ? servers.map((s) => `  ${serverLine(s)}`) : ['  none found']),
      ...(inputs.expectedCount && servers.length < inputs.expectedCount
        ? [`  expected at least ${inputs.expectedCount}`]
        : []),
      ...(lastEc2Error ? [`Last EC2 error: ${lastEc2Error}`] : []),
      'Last answers through the load balancer:',
      ...probes.map((p) => `  ${probeLine(p)}`)
    ];
    throw new Error(lines.join('\n'));
  };

  // Phase 1: the servers exist, run, and pass both EC2 status checks.
  for (;;) {
    try {
      servers = await describeServers(client, inputs.tagFilters);
      lastEc2Error = '';
    } catch (error) {
      const name = (error as Error).name;
      if (FATAL_EC2_ERRORS.has(name)) {
        throw new ConfigurationError(
          `EC2 refused to describe the servers (${name}: ${errorMessage(error)}). The job needs ` +
            'AWS credentials (run actions/aws-credentials first) whose role allows ' +
            'ec2:DescribeInstances and ec2:DescribeInstanceStatus.'
        );
      }
      lastEc2Error = `${name}: ${errorMessage(error)}`;
    }
    const enough = servers.length > 0 && servers.length >= inputs.expectedCount;
    report(
      servers.length
        ? `servers: ${servers.map((s) => `${s.name || s.id} ${s.state} ${s.instanceStatus}/${s.systemStatus}`).join('; ')}`
        : `no server tagged ${tagText(inputs.tagFilters)} yet${lastEc2Error ? ` (${lastEc2Error})` : ''}`
    );
    if (enough && servers.every(isReady)) break;
    if (Date.now() + inputs.pollIntervalMs > deadline) {
      await fail('waiting for the servers to run and pass their status checks');
    }
    await sleep(inputs.pollIntervalMs);
  }
  const serversReadyMs = Date.now() - started;

  // Optional: the rolling redeploy, one server at a time, and the rollback when a server fails.
  // Its time does not count against timeout-seconds (it has its own per-server limit).
  let rollout: RolloutOutcome | undefined;
  let images: ImageState[] | undefined;
  if (inputs.redeployDocument) {
    const redeployStarted = Date.now();
    const clients = redeployClients(inputs.region);
    images = await readImages(clients, inputs);
    for (const s of images ?? []) {
      report(
        `${s.parameter.name}: v${s.current.version} ${s.current.value}; previous ` +
          (s.previous
            ? `v${s.previous.version} ${shortImage(s.previous.value)}`
            : 'none (first deploy)') +
          (s.changed ? '' : ' (not changed by this release: left as it is on a rollback)')
      );
    }
    rollout = await rollOut(
      clients,
      servers,
      {
        documentName: inputs.redeployDocument,
        targetGroupArn: inputs.targetGroupArn,
        perServerTimeoutMs: inputs.redeployTimeoutMs,
        pollIntervalMs: inputs.pollIntervalMs,
        comment: `deploy ${(process.env.GITHUB_SHA ?? '').slice(0, 12)} run ${process.env.GITHUB_RUN_ID ?? ''}`
      },
      images,
      (line) => core.info(`[${formatDuration(Date.now() - started)}] ${line}`)
    );
    core.setOutput(
      Output.RolledBack,
      String(rollout.kind === 'rolled-back' || rollout.kind === 'rollback-incomplete')
    );
    if (rollout.kind !== 'deployed') {
      const titles = {
        'rolled-back': '❌ rolled back',
        'rollback-incomplete': '❌ rollback INCOMPLETE',
        'not-rolled-back': '❌ failed, not rolled back'
      } as const;
      const ranRollback = rollout.kind !== 'not-rolled-back';
      await appendSummary(
        [
          `### Rollout check — ${titles[rollout.kind]}`,
          '',
          ...rollout.headline.map((line) => `**${line}**`),
          '',
          `#### Servers, one at a time with ${inputs.redeployDocument}`,
          '',
          redeployTable(rollout.servers, ranRollback),
          '',
          ...(images ? ['#### Image references', '', imagesTable(images, rollout), ''] : []),
          details('The failed step in full', rollout.failure.error, 'text'),
          ''
        ].join('\n')
      );
      throw new Error([...rollout.headline, '', rollout.failure.error].join('\n'));
    }
    deadline += Date.now() - redeployStarted;
  }

  // Phase 2: the shop answers through the load balancer, several rounds in a row.
  let streak = 0;
  for (;;) {
    probes = await probeAll();
    streak = probes.every((p) => p.ok) ? streak + 1 : 0;
    report(probes.map((p) => `${p.label} ${p.status ?? '-'}`).join(', '));
    if (streak >= inputs.healthyRounds) break;
    if (Date.now() + inputs.pollIntervalMs > deadline) {
      await fail('waiting for the shop to answer through the load balancer');
    }
    await sleep(inputs.pollIntervalMs);
  }

  const totalMs = Date.now() - started;
  core.setOutput(Output.InstanceIds, JSON.stringify(servers.map((s) => s.id)));
  core.setOutput(Output.SecondsToHealthy, String(Math.round(totalMs / 1000)));
  if (!rollout) core.setOutput(Output.RolledBack, 'false');
  core.info(
    `Healthy after ${formatDuration(totalMs)}: ${servers.length} servers, ${inputs.baseUrl}`
  );
  await appendSummary(
    [
      '### Rollout check — ✅ healthy',
      '',
      `Servers ready after ${formatDuration(serversReadyMs)}; the shop answered ` +
        `${inputs.healthyRounds} round(s) in a row after ${formatDuration(totalMs)}: ${inputs.baseUrl}`,
      '',
      `#### Servers (${tagText(inputs.tagFilters)})`,
      '',
      serversTable(servers),
      '',
      ...(rollout
        ? [
            `#### Redeploy with ${inputs.redeployDocument}, one server at a time`,
            '',
            redeployTable(rollout.servers, false),
            '',
            ...(images ? ['#### Image references', '', imagesTable(images, rollout), ''] : [])
          ]
        : []),
      '#### The shop through the load balancer',
      '',
      probesTable(probes),
      ''
    ].join('\n')
  );
}

export async function main(): Promise<void> {
  await run(readInputs());
}
