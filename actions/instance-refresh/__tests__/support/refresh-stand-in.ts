import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup
} from '@aws-sdk/client-auto-scaling';
import { DescribeLaunchTemplateVersionsCommand, EC2Client } from '@aws-sdk/client-ec2';
import {
  DeregisterTargetsCommand,
  ElasticLoadBalancingV2Client
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { forwardToMoto, readRequestBody } from '../../../../tests/kit/stand-ins/moto.js';

/**
 * The instance refresh moto 5.2 does not have (no StartInstanceRefresh, DescribeInstanceRefreshes,
 * CancelInstanceRefresh or RollbackInstanceRefresh), as a loopback proxy in front of moto's Auto
 * Scaling. It answers those four calls itself and carries a refresh out through calls moto has:
 * the group's launch template version (UpdateAutoScalingGroup), launching replacements by
 * raising the desired capacity (SetDesiredCapacity, which makes moto launch instances from the
 * group's template), and removing old instances (TerminateInstanceInAutoScalingGroup, then
 * DeregisterTargets, which AWS does and moto does not). Everything else goes to moto.
 *
 * Whether a new instance turns healthy is the test's call (`healthy(version, group)`): a version that
 * is not healthy makes the refresh fail after `failAfterTicks`, as AWS fails a refresh whose
 * replacements keep failing their ELB health checks; with AutoRollback AWS then rolls back.
 *
 * Modelled: the states Pending → InProgress → Successful | Failed | Cancelling → Cancelled |
 * RollbackInProgress → RollbackSuccessful; launch before terminate with MaxHealthyPercentage
 * (a batch of at most desired × (max − 100)% new instances, never past the next checkpoint);
 * checkpoints with their delay; SkipMatching; one active refresh per group; the errors
 * InstanceRefreshInProgress, ActiveInstanceRefreshNotFound, IrreversibleInstanceRefresh and a
 * ValidationError for a launch template version that does not exist; each instance's version
 * in DescribeAutoScalingGroups (moto reports the group's first one).
 * Not modelled: warm pools, alarms, bake time, scale-in protection and standby, instance
 * warmup beyond one tick, a rollback that itself launches before terminating (it replaces the
 * new instances in one step), and the group keeping its old configuration until the refresh
 * succeeds (here it points at the desired version from the start and back on rollback or
 * cancel).
 */
export interface RefreshRecord {
  id: string;
  group: string;
  status: string;
  statusReason?: string;
  startTime: Date;
  endTime?: Date;
  percentage: number;
  toUpdate: number;
  total: number;
  desired?: { launchTemplateId: string; version: string };
  previousVersion: string;
  previousMaxSize: number;
  minHealthy: number;
  maxHealthy: number;
  checkpoints: number[];
  checkpointDelayMs: number;
  autoRollback: boolean;
  skipMatching: boolean;
  rollbackReason?: string;
  rollbackStart?: Date;
  batch?: { newIds: string[]; oldIds: string[]; ticks: number };
  waitUntil?: number;
}

export interface RefreshStandIn {
  /** Use as AWS_ENDPOINT_URL_AUTO_SCALING. */
  endpoint: string;
  refreshes: RefreshRecord[];
  /** The refresh calls received, as "Action group". */
  calls: string[];
  /** The version each instance was launched from, as far as the stand-in knows. */
  versions: Map<string, string>;
  stop(): Promise<void>;
}

export interface StandInOptions {
  /** Whether instances of `group` launched from `version` turn healthy. */
  healthy: (version: string, group: string) => boolean;
  tickMs?: number;
  failAfterTicks?: number;
  /** Target groups to deregister terminated instances from. */
  targetGroupArns?: string[];
  /**
   * How many milliseconds one second of a refresh's own delays (CheckpointDelay) lasts here:
   * 1000 is real time; a replay of the deploy workflow's real settings (60 s checkpoints) uses
   * less, so the test takes seconds, not minutes.
   */
  secondMs?: number;
}

const ACTIVE = new Set(['Pending', 'InProgress', 'Cancelling', 'RollbackInProgress']);
const NS = 'http://autoscaling.amazonaws.com/doc/2011-01-01/';

function xml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function element(name: string, value: string | number | undefined): string {
  return value === undefined ? '' : `<${name}>${xml(String(value))}</${name}>`;
}

function answer(action: string, result: string): string {
  return (
    `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  );
}

class Refused extends Error {
  constructor(
    readonly code: string,
    message: string
  ) {
    super(message);
  }
}

export async function startRefreshStandIn(
  upstream: string,
  options: StandInOptions
): Promise<RefreshStandIn> {
  const config = {
    region: 'us-east-1',
    endpoint: upstream,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }
  };
  const autoscaling = new AutoScalingClient(config);
  const ec2 = new EC2Client(config);
  const elb = new ElasticLoadBalancingV2Client(config);
  const refreshes: RefreshRecord[] = [];
  const calls: string[] = [];
  const versions = new Map<string, string>();
  const tickMs = options.tickMs ?? 200;
  const failAfterTicks = options.failAfterTicks ?? 5;
  const secondMs = options.secondMs ?? 1000;

  const group = async (name: string): Promise<AutoScalingGroup | undefined> =>
    (
      await autoscaling.send(
        new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] })
      )
    ).AutoScalingGroups?.[0];
  const liveIds = (g: AutoScalingGroup): string[] =>
    (g.Instances ?? [])
      .filter((i) => !(i.LifecycleState ?? '').startsWith('Terminat'))
      .map((i) => i.InstanceId ?? '');
  /** Instances the stand-in has not seen yet were launched from the group's current version. */
  const learn = (g: AutoScalingGroup): void => {
    for (const id of liveIds(g)) {
      if (!versions.has(id)) versions.set(id, g.LaunchTemplate?.Version ?? '');
    }
  };
  const setVersion = (name: string, launchTemplateId: string, version: string) =>
    autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: version }
      })
    );
  const terminate = async (ids: string[], decrement: boolean): Promise<void> => {
    for (const id of ids) {
      // AWS takes an instance out of its target groups (draining) before terminating it.
      for (const arn of options.targetGroupArns ?? []) {
        await elb.send(
          new DeregisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: id, Port: 3000 }] })
        );
      }
      await autoscaling.send(
        new TerminateInstanceInAutoScalingGroupCommand({
          InstanceId: id,
          ShouldDecrementDesiredCapacity: decrement
        })
      );
    }
  };
  const finish = (r: RefreshRecord, status: string, reason?: string): void => {
    r.status = status;
    if (reason !== undefined) r.statusReason = reason;
    r.endTime = new Date();
    r.batch = undefined;
  };

  /** Puts the group back on its previous version: new instances replaced by old-version ones. */
  const restore = async (r: RefreshRecord, g: AutoScalingGroup): Promise<void> => {
    await setVersion(r.group, r.desired!.launchTemplateId, r.previousVersion);
    const inFlight = new Set(r.batch?.newIds ?? []);
    // The batch in flight was launched on top of the desired capacity: those go for good.
    await terminate([...inFlight], true);
    const changed = liveIds(g).filter(
      (id) => !inFlight.has(id) && versions.get(id) !== r.previousVersion
    );
    // Without decrementing, moto launches a replacement from the (restored) group template.
    await terminate(changed, false);
    await autoscaling.send(
      new UpdateAutoScalingGroupCommand({
        AutoScalingGroupName: r.group,
        MaxSize: r.previousMaxSize
      })
    );
    const after = await group(r.group);
    if (after)
      for (const id of liveIds(after)) if (!versions.has(id)) versions.set(id, r.previousVersion);
  };

  const step = async (r: RefreshRecord): Promise<void> => {
    const g = await group(r.group);
    if (!g) return finish(r, 'Failed', 'The Auto Scaling group no longer exists.');
    learn(g);
    const desired = r.desired!;
    if (r.status === 'Pending') {
      const old = liveIds(g).filter(
        (id) => !r.skipMatching || versions.get(id) !== desired.version
      );
      r.total = old.length;
      r.toUpdate = old.length;
      r.status = 'InProgress';
      await setVersion(r.group, desired.launchTemplateId, desired.version);
      if (old.length === 0) {
        r.percentage = 100;
        finish(r, 'Successful');
      }
      return;
    }
    if (r.status === 'Cancelling') {
      await restore(r, g);
      return finish(r, 'Cancelled', 'Cancelled by request.');
    }
    if (r.status === 'RollbackInProgress') {
      await restore(r, g);
      return finish(r, 'RollbackSuccessful', 'The instance refresh was rolled back.');
    }
    if (r.status !== 'InProgress') return;
    if (r.waitUntil !== undefined) {
      if (Date.now() < r.waitUntil) return;
      r.waitUntil = undefined;
      r.statusReason = undefined;
    }
    if (!r.batch) {
      const old = liveIds(g).filter((id) => versions.get(id) !== desired.version);
      if (old.length === 0) {
        r.percentage = 100;
        r.toUpdate = 0;
        await autoscaling.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: r.group,
            MaxSize: r.previousMaxSize
          })
        );
        return finish(r, 'Successful');
      }
      const capacity = g.DesiredCapacity ?? 0;
      let size = Math.max(1, Math.floor((capacity * (r.maxHealthy - 100)) / 100));
      const replaced = r.total - old.length;
      const nextCheckpoint = r.checkpoints.find((c) => c > r.percentage);
      if (nextCheckpoint !== undefined) {
        size = Math.min(size, Math.max(1, Math.ceil((nextCheckpoint / 100) * r.total) - replaced));
      }
      size = Math.min(size, old.length);
      const before = new Set(liveIds(g));
      if (capacity + size > (g.MaxSize ?? 0)) {
        await autoscaling.send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: r.group,
            MaxSize: capacity + size
          })
        );
      }
      await autoscaling.send(
        new SetDesiredCapacityCommand({
          AutoScalingGroupName: r.group,
          DesiredCapacity: capacity + size
        })
      );
      const launched = liveIds((await group(r.group))!).filter((id) => !before.has(id));
      for (const id of launched) versions.set(id, desired.version);
      r.batch = { newIds: launched, oldIds: old.slice(0, size), ticks: 0 };
      return;
    }
    r.batch.ticks += 1;
    if (!options.healthy(desired.version, r.group)) {
      if (r.batch.ticks < failAfterTicks) return;
      const reason = `${r.batch.newIds.length} instance(s) failed to pass ELB health checks: the new instances did not become healthy.`;
      if (r.autoRollback) {
        r.status = 'RollbackInProgress';
        r.rollbackReason = `Instance refresh failed. ${reason}`;
        r.rollbackStart = new Date();
        r.statusReason = 'Rolling back the instance refresh.';
        return;
      }
      // The instances launched stay, as AWS leaves them; the caller decides what comes next.
      return finish(r, 'Failed', reason);
    }
    if (r.batch.ticks < 2) return; // one tick of warmup after InService and healthy
    await terminate(r.batch.oldIds, true);
    r.batch = undefined;
    const left = liveIds((await group(r.group))!).filter(
      (id) => versions.get(id) !== desired.version
    );
    r.toUpdate = left.length;
    r.percentage = r.total === 0 ? 100 : Math.floor(((r.total - left.length) / r.total) * 100);
    const reached = r.checkpoints.find(
      (c) => c < 100 && c <= r.percentage && c > r.percentage - 100
    );
    if (reached !== undefined && left.length > 0 && r.checkpointDelayMs > 0) {
      r.waitUntil = Date.now() + r.checkpointDelayMs;
      r.statusReason = `Waiting for the checkpoint at ${reached}% to pass (checkpoint delay).`;
      r.checkpoints = r.checkpoints.filter((c) => c !== reached);
    }
  };

  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    void (async () => {
      for (const r of refreshes.filter((x) => ACTIVE.has(x.status))) {
        try {
          await step(r);
        } catch (error) {
          finish(r, 'Failed', `stand-in error: ${(error as Error).message}`);
        }
      }
    })().finally(() => (busy = false));
  }, tickMs);

  const active = (name: string) => refreshes.find((r) => r.group === name && ACTIVE.has(r.status));

  const handle = async (form: URLSearchParams): Promise<string | undefined> => {
    const action = form.get('Action') ?? '';
    const name = form.get('AutoScalingGroupName') ?? '';
    if (action === 'StartInstanceRefresh') {
      calls.push(`${action} ${name}`);
      const g = await group(name);
      if (!g) throw new Refused('ValidationError', `AutoScalingGroup name not found - ${name}`);
      if (active(name)) {
        throw new Refused(
          'InstanceRefreshInProgress',
          'An Instance Refresh is already in progress and blocks the execution of this Instance Refresh.'
        );
      }
      const templateId = form.get('DesiredConfiguration.LaunchTemplate.LaunchTemplateId');
      const version = form.get('DesiredConfiguration.LaunchTemplate.Version');
      const autoRollback = form.get('Preferences.AutoRollback') === 'true';
      if (autoRollback && !templateId) {
        throw new Refused('ValidationError', 'AutoRollback requires a desired configuration.');
      }
      if (templateId && version) {
        try {
          await ec2.send(
            new DescribeLaunchTemplateVersionsCommand({
              LaunchTemplateId: templateId,
              Versions: [version]
            })
          );
        } catch {
          throw new Refused(
            'ValidationError',
            `The launch template version ${version} of ${templateId} does not exist.`
          );
        }
      }
      const minHealthy = Number(form.get('Preferences.MinHealthyPercentage') ?? 90);
      const maxHealthy = Number(form.get('Preferences.MaxHealthyPercentage') ?? 100);
      if (maxHealthy < 100 || maxHealthy > minHealthy + 100 || maxHealthy > 200) {
        throw new Refused(
          'ValidationError',
          'MaxHealthyPercentage must be 100 to 200 and at most MinHealthyPercentage + 100.'
        );
      }
      const checkpoints: number[] = [];
      for (let i = 1; form.has(`Preferences.CheckpointPercentages.member.${i}`); i++) {
        checkpoints.push(Number(form.get(`Preferences.CheckpointPercentages.member.${i}`)));
      }
      learn(g);
      const record: RefreshRecord = {
        id: randomUUID(),
        group: name,
        status: 'Pending',
        startTime: new Date(),
        percentage: 0,
        toUpdate: 0,
        total: 0,
        desired: templateId && version ? { launchTemplateId: templateId, version } : undefined,
        previousVersion: g.LaunchTemplate?.Version ?? '',
        previousMaxSize: g.MaxSize ?? 0,
        minHealthy,
        maxHealthy,
        checkpoints,
        checkpointDelayMs:
          Number(form.get('Preferences.CheckpointDelay') ?? (checkpoints.length ? 3600 : 0)) *
          secondMs,
        autoRollback,
        skipMatching: form.get('Preferences.SkipMatching') === 'true'
      };
      refreshes.push(record);
      return answer(action, element('InstanceRefreshId', record.id));
    }
    if (action === 'DescribeInstanceRefreshes') {
      const ids: string[] = [];
      for (let i = 1; form.has(`InstanceRefreshIds.member.${i}`); i++) {
        ids.push(form.get(`InstanceRefreshIds.member.${i}`) ?? '');
      }
      const found = refreshes
        .filter((r) => r.group === name && (ids.length === 0 || ids.includes(r.id)))
        .reverse();
      const members = found
        .map(
          (r) =>
            '<member>' +
            element('InstanceRefreshId', r.id) +
            element('AutoScalingGroupName', r.group) +
            element('Status', r.status) +
            element('StatusReason', r.statusReason) +
            element('StartTime', r.startTime.toISOString()) +
            element('EndTime', r.endTime?.toISOString()) +
            element('PercentageComplete', r.percentage) +
            element('InstancesToUpdate', r.toUpdate) +
            (r.desired
              ? `<DesiredConfiguration><LaunchTemplate>${element('LaunchTemplateId', r.desired.launchTemplateId)}${element('Version', r.desired.version)}</LaunchTemplate></DesiredConfiguration>`
              : '') +
            (r.rollbackReason
              ? `<RollbackDetails>${element('RollbackReason', r.rollbackReason)}${element('RollbackStartTime', r.rollbackStart?.toISOString())}${element('PercentageCompleteOnRollback', r.status === 'RollbackSuccessful' ? 100 : 0)}</RollbackDetails>`
              : '') +
            '</member>'
        )
        .join('');
      return answer(action, `<InstanceRefreshes>${members}</InstanceRefreshes>`);
    }
    if (action === 'CancelInstanceRefresh' || action === 'RollbackInstanceRefresh') {
      calls.push(`${action} ${name}`);
      const r = active(name);
      if (!r || r.status === 'Cancelling' || r.status === 'RollbackInProgress') {
        throw new Refused(
          'ActiveInstanceRefreshNotFound',
          `No in progress or pending Instance Refresh found for Auto Scaling group ${name}`
        );
      }
      if (action === 'RollbackInstanceRefresh') {
        if (!r.desired) {
          throw new Refused(
            'IrreversibleInstanceRefresh',
            'The instance refresh was started without a desired configuration and cannot be rolled back.'
          );
        }
        r.status = 'RollbackInProgress';
        r.rollbackReason = 'Rollback requested by the caller (RollbackInstanceRefresh).';
        r.rollbackStart = new Date();
      } else {
        r.status = 'Cancelling';
      }
      return answer(action, element('InstanceRefreshId', r.id));
    }
    return undefined;
  };

  const forward = (req: IncomingMessage, body: Buffer) => forwardToMoto(upstream, req, body);

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readRequestBody(req);
      const form = new URLSearchParams(body.toString());
      try {
        const own = await handle(form);
        if (own !== undefined) {
          res.writeHead(200, { 'Content-Type': 'text/xml' }).end(own);
          return;
        }
      } catch (error) {
        if (!(error instanceof Refused)) throw error;
        res
          .writeHead(400, { 'Content-Type': 'text/xml' })
          .end(
            `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type>${element('Code', error.code)}` +
              `${element('Message', error.message)}</Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
          );
        return;
      }
      const reply = await forward(req, body);
      let text = reply.text;
      if (form.get('Action') === 'DescribeAutoScalingGroups' && reply.status === 200) {
        // Each instance's own version, which moto does not keep.
        text = text.replace(
          /<InstanceId>([^<]+)<\/InstanceId>([\s\S]*?)<\/member>/g,
          (member, id: string) => {
            const version = versions.get(id);
            return version === undefined
              ? member
              : member.replace(
                  /(<LaunchTemplate>[\s\S]*?<Version>)[^<]*(<\/Version>)/,
                  `$1${version}$2`
                );
          }
        );
      }
      res.writeHead(reply.status, { 'Content-Type': reply.type }).end(text);
    })().catch((error: unknown) => res.writeHead(502).end(String(error)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refreshes,
    calls,
    versions,
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(timer);
        autoscaling.destroy();
        ec2.destroy();
        elb.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      })
  };
}
