import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { GetCommandInvocationCommand, SSMClient, SendCommandCommand } from '@aws-sdk/client-ssm';
import { errorMessage } from '../../shared/src/errors.js';
import { sleep } from '../../shared/src/retry.js';
import type { ServerState } from './instances.js';

/**
 * A rolling redeploy: one server at a time is taken out of the load balancer's target group,
 * runs the SSM document that pulls and starts the images named in SSM (Terraform's deploy
 * document), and goes back in once the target group reports it healthy — so the shop keeps
 * answering from the other servers throughout.
 */
export interface RedeployOptions {
  documentName: string;
  /** When set, each server leaves this target group during its redeploy. */
  targetGroupArn: string | undefined;
  perServerTimeoutMs: number;
  pollIntervalMs: number;
  /** Shown in SSM's command history (e.g. the commit). */
  comment: string;
}

export interface RedeployResult {
  id: string;
  name: string;
  commandId: string;
  status: string;
  ms: number;
}

export interface RedeployClients {
  ssm: SSMClient;
  elb: ElasticLoadBalancingV2Client;
}

export function redeployClients(region: string): RedeployClients {
  // Endpoints: AWS_ENDPOINT_URL_SSM and AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2 when set.
  return {
    ssm: new SSMClient({ region, maxAttempts: 5 }),
    elb: new ElasticLoadBalancingV2Client({ region, maxAttempts: 5 })
  };
}

const RUNNING = new Set(['Pending', 'InProgress', 'Delayed']);
const EXCERPT = 1500;

function tail(text: string | undefined): string {
  const t = (text ?? '').trim();
  return t.length > EXCERPT ? `…${t.slice(-EXCERPT)}` : t;
}

async function until<T>(
  what: string,
  deadline: number,
  pollMs: number,
  check: () => Promise<{ done: boolean; value: T; seen: string }>
): Promise<T> {
  let seen = '';
  for (;;) {
    const result = await check();
    if (result.done) return result.value;
    seen = result.seen;
    if (Date.now() + pollMs > deadline) throw new Error(`${what}: gave up, last seen ${seen}`);
    await sleep(pollMs);
  }
}

async function targetState(elb: ElasticLoadBalancingV2Client, arn: string, id: string) {
  const health = await elb.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: arn, Targets: [{ Id: id }] })
  );
  const target = health.TargetHealthDescriptions?.[0]?.TargetHealth;
  return {
    state: target?.State ?? 'unknown',
    detail: [target?.State, target?.Reason, target?.Description].filter(Boolean).join(' / ')
  };
}

async function sendCommand(
  ssm: SSMClient,
  server: ServerState,
  options: RedeployOptions,
  deadline: number
): Promise<string> {
  // A server that has just booted is unknown to SSM for a minute: InvalidInstanceId until its
  // agent registers.
  return until(
    `sending ${options.documentName} to ${server.id}`,
    deadline,
    options.pollIntervalMs,
    async () => {
      try {
        const sent = await ssm.send(
          new SendCommandCommand({
            DocumentName: options.documentName,
            InstanceIds: [server.id],
            Comment: options.comment.slice(0, 100)
          })
        );
        return { done: true, value: sent.Command?.CommandId ?? '', seen: '' };
      } catch (error) {
        if ((error as Error).name !== 'InvalidInstanceId') throw error;
        return { done: false, value: '', seen: `InvalidInstanceId (SSM agent not registered yet)` };
      }
    }
  );
}

/** Redeploy one server; throws with the command's output when it fails. */
async function redeployServer(
  clients: RedeployClients,
  server: ServerState,
  options: RedeployOptions,
  log: (line: string) => void
): Promise<RedeployResult> {
  const started = Date.now();
  const deadline = started + options.perServerTimeoutMs;
  const label = `${server.name || server.id} (${server.id})`;
  const arn = options.targetGroupArn;

  if (arn) {
    await clients.elb.send(
      new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: server.id }] })
    );
    log(`${label}: leaving the target group (connections drain first)`);
    await until(`${label} leaving the target group`, deadline, options.pollIntervalMs, async () => {
      const t = await targetState(clients.elb, arn, server.id);
      return { done: t.state === 'unused', value: undefined, seen: t.detail };
    });
  }

  const commandId = await sendCommand(clients.ssm, server, options, deadline);
  log(`${label}: running ${options.documentName} (command ${commandId})`);
  const invocation = await until(
    `${label} running ${options.documentName}`,
    deadline,
    options.pollIntervalMs,
    async () => {
      try {
        const inv = await clients.ssm.send(
          new GetCommandInvocationCommand({ CommandId: commandId, InstanceId: server.id })
        );
        const status = inv.Status ?? 'Pending';
        return { done: !RUNNING.has(status), value: inv, seen: status };
      } catch (error) {
        // Right after SendCommand the invocation may not exist yet.
        if ((error as Error).name !== 'InvocationDoesNotExist') throw error;
        return { done: false, value: undefined, seen: 'InvocationDoesNotExist' };
      }
    }
  );
  const status = invocation?.Status ?? 'unknown';
  if (status !== 'Success') {
    // Back into the load balancer: the old containers may still be serving.
    if (arn) {
      await clients.elb
        .send(new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: server.id }] }))
        .catch((error: unknown) => log(`${label}: could not re-register: ${errorMessage(error)}`));
    }
    throw new Error(
      `${options.documentName} ended with ${status} on ${label} (command ${commandId}).\n` +
        `Its output:\n${tail(invocation?.StandardOutputContent) || '(none)'}\n` +
        `Its errors:\n${tail(invocation?.StandardErrorContent) || '(none)'}`
    );
  }

  if (arn) {
    await clients.elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: server.id }] })
    );
    log(`${label}: back in the target group, waiting until healthy`);
    await until(
      `${label} becoming healthy in the target group`,
      deadline,
      options.pollIntervalMs,
      async () => {
        const t = await targetState(clients.elb, arn, server.id);
        return { done: t.state === 'healthy', value: undefined, seen: t.detail };
      }
    );
  }
  return { id: server.id, name: server.name, commandId, status, ms: Date.now() - started };
}

/** Redeploy every server, one at a time, in the given order; stops at the first failure. */
export async function redeployOneByOne(
  clients: RedeployClients,
  servers: readonly ServerState[],
  options: RedeployOptions,
  log: (line: string) => void
): Promise<RedeployResult[]> {
  const results: RedeployResult[] = [];
  for (const server of servers) results.push(await redeployServer(clients, server, options, log));
  return results;
}
