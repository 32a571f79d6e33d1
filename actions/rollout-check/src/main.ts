import * as core from '@actions/core';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { sleep } from '../../shared/src/retry.js';
import { appendSummary, formatDuration, markdownTable } from '../../shared/src/summary.js';
import { Output } from './constants.js';
import { type RolloutInputs, readInputs } from './inputs.js';
import { describeServers, ec2Client, isReady, type ServerState } from './instances.js';
import { probe, type Expectation, type ProbeResult } from './probe.js';
import { redeployClients, redeployOneByOne, type RedeployResult } from './redeploy.js';

// EC2 errors no amount of waiting fixes: the credentials or the role's permissions.
const FATAL_EC2_ERRORS = new Set([
  'AuthFailure',
  'UnauthorizedOperation',
  'UnrecognizedClientException',
  'InvalidClientTokenId',
  'OptInRequired'
]);

const REQUEST_TIMEOUT_MS = 10_000;

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

function redeployTable(results: readonly RedeployResult[]): string {
  return markdownTable(
    ['Server', 'Instance', 'SSM command', 'Result', 'Took'],
    results.map((r) => [r.name, r.id, r.commandId, r.status, formatDuration(r.ms)])
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

  // Optional: the rolling redeploy, one server at a time. Its time does not count against
  // timeout-seconds (it has its own per-server limit).
  let redeployed: RedeployResult[] = [];
  if (inputs.redeployDocument) {
    const redeployStarted = Date.now();
    try {
      redeployed = await redeployOneByOne(
        redeployClients(inputs.region),
        servers,
        {
          documentName: inputs.redeployDocument,
          targetGroupArn: inputs.targetGroupArn,
          perServerTimeoutMs: inputs.redeployTimeoutMs,
          pollIntervalMs: inputs.pollIntervalMs,
          comment: `deploy ${(process.env.GITHUB_SHA ?? '').slice(0, 12)} run ${process.env.GITHUB_RUN_ID ?? ''}`
        },
        (line) => core.info(`[${formatDuration(Date.now() - started)}] ${line}`)
      );
    } catch (error) {
      await appendSummary(
        ['### Rollout check — ❌ redeploy failed', '', errorMessage(error), ''].join('\n')
      );
      throw error;
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
      ...(redeployed.length
        ? [
            `#### Redeploy with ${inputs.redeployDocument}, one server at a time`,
            '',
            redeployTable(redeployed),
            ''
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
