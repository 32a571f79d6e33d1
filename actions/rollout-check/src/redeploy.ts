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
 * runs the SSM document that pulls and starts the images (Terraform's deploy document: the
 * references given as its parameters, or those in SSM), and goes back in once the target group
 * reports it healthy — so the shop keeps answering from the other servers throughout. Whatever
 * fails, a server that left the target group is registered again before the next step.
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
  /** Empty when the command was never sent. */
  commandId: string;
  /** The command's final status (Success, Failed, TimedOut, …), or NotSent. */
  status: string;
  /** The document succeeded and the target group reports the server healthy. */
  ok: boolean;
  /** The document was sent to the server, so its containers may have changed. */
  touched: boolean;
  /** False only when re-registering it failed: the server is out of the target group. */
  registered: boolean;
  /** Why it is not ok, with the command's output when it failed. */
  error: string;
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
  parameters: Record<string, string[]> | undefined,
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
            ...(parameters ? { Parameters: parameters } : {}),
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

export function serverLabel(server: { id: string; name: string }): string {
  return `${server.name || server.id} (${server.id})`;
}

/**
 * Redeploy one server with the given document parameters (none: the document's defaults).
 * Never throws: the result says how far it got, and the server is back in the target group
 * whatever happened (see `registered`).
 */
export async function redeployServer(
  clients: RedeployClients,
  server: ServerState,
  options: RedeployOptions,
  parameters: Record<string, string[]> | undefined,
  log: (line: string) => void
): Promise<RedeployResult> {
  const started = Date.now();
  const deadline = started + options.perServerTimeoutMs;
  const label = serverLabel(server);
  const arn = options.targetGroupArn;
  const result: RedeployResult = {
    id: server.id,
    name: server.name,
    commandId: '',
    status: 'NotSent',
    ok: false,
    touched: false,
    registered: true,
    error: '',
    ms: 0
  };
  let outOfTargetGroup = false;

  try {
    if (arn) {
      outOfTargetGroup = true;
      await clients.elb.send(
        new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: server.id }] })
      );
      log(`${label}: leaving the target group (connections drain first)`);
      await until(
        `${label} leaving the target group`,
        deadline,
        options.pollIntervalMs,
        async () => {
          const t = await targetState(clients.elb, arn, server.id);
          return { done: t.state === 'unused', value: undefined, seen: t.detail };
        }
      );
    }

    result.commandId = await sendCommand(clients.ssm, server, options, parameters, deadline);
    result.touched = true;
    log(`${label}: running ${options.documentName} (command ${result.commandId})`);
    const invocation = await until(
      `${label} running ${options.documentName}`,
      deadline,
      options.pollIntervalMs,
      async () => {
        try {
          const inv = await clients.ssm.send(
            new GetCommandInvocationCommand({ CommandId: result.commandId, InstanceId: server.id })
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
    result.status = invocation?.Status ?? 'unknown';
    if (result.status !== 'Success') {
      throw new Error(
        `${options.documentName} ended with ${result.status} on ${label} (command ${result.commandId}).\n` +
          `Its output:\n${tail(invocation?.StandardOutputContent) || '(none)'}\n` +
          `Its errors:\n${tail(invocation?.StandardErrorContent) || '(none)'}`
      );
    }

    if (arn) {
      await clients.elb.send(
        new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: server.id }] })
      );
      outOfTargetGroup = false;
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
      log(`${label}: healthy`);
    }
    result.ok = true;
  } catch (error) {
    result.error = errorMessage(error);
    log(`${label}: FAILED: ${result.error.split('\n')[0] ?? ''}`);
  }

  // Back into the load balancer whatever failed: a registered target that fails its health
  // check gets no traffic and rejoins by itself once it passes; a deregistered one is forgotten.
  if (arn && outOfTargetGroup) {
    try {
      await clients.elb.send(
        new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: server.id }] })
      );
      log(`${label}: registered in the target group again`);
    } catch (error) {
      result.registered = false;
      log(`${label}: could NOT be registered in the target group again: ${errorMessage(error)}`);
    }
  }
  result.ms = Date.now() - started;
  return result;
}
