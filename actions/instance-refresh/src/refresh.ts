import {
  type AutoScalingClient,
  CancelInstanceRefreshCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand,
  type InstanceRefresh,
  RollbackInstanceRefreshCommand,
  StartInstanceRefreshCommand
} from '@aws-sdk/client-auto-scaling';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { sleep as realSleep } from '../../shared/src/retry.js';
import { formatDuration } from '../../shared/src/summary.js';
import type { RefreshInputs } from './inputs.js';
import type { GroupPlan } from './preflight.js';

/** How one group's release ended. */
export interface GroupOutcome {
  group: string;
  from: string;
  to: string;
  refreshId?: string;
  /**
   * successful: on the new version · unchanged: it already was · rolled-back: back on the
   * previous version after its own refresh failed · undone: refreshed, then put back because a
   * later group failed · rollback-failed: not back on the previous version · not-started.
   */
  result: 'successful' | 'unchanged' | 'rolled-back' | 'undone' | 'rollback-failed' | 'not-started';
  /** Why it failed or was rolled back, in AWS's words where AWS gave them. */
  reason?: string;
  durationMs: number;
}

export interface RefreshReport {
  outcomes: GroupOutcome[];
  /** Set when the release failed: what went wrong, for the first line of the message. */
  failure?: string;
  /** Every progress line written to the log, for the summary. */
  log: string[];
}

export interface Clock {
  sleep(ms: number): Promise<void>;
  now(): number;
}

const TERMINAL = new Set([
  'Successful',
  'Failed',
  'Cancelled',
  'RollbackSuccessful',
  'RollbackFailed'
]);

class Follower {
  readonly lines: string[] = [];
  private last = new Map<string, string>();

  constructor(
    private readonly autoscaling: AutoScalingClient,
    private readonly pollIntervalMs: number,
    private readonly clock: Clock,
    private readonly print: (line: string) => void
  ) {}

  say(line: string): void {
    this.lines.push(line);
    this.print(line);
  }

  /** Logs `line` under `key` only when it differs from the last one: a readable log, not a poll dump. */
  private changed(key: string, line: string): void {
    if (this.last.get(key) === line) return;
    this.last.set(key, line);
    this.say(line);
  }

  private async instances(group: string): Promise<void> {
    const found = await this.autoscaling.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [group] })
    );
    const list = (found.AutoScalingGroups?.[0]?.Instances ?? [])
      .map(
        (i) =>
          `${i.InstanceId} v${i.LaunchTemplate?.Version ?? '?'} ${i.LifecycleState ?? '?'}/${i.HealthStatus ?? '?'}`
      )
      .sort();
    this.changed(`${group} instances`, `[${group}]   instances: ${list.join(', ') || 'none'}`);
  }

  /** Polls the refresh until it ends or the deadline passes ('timeout'). */
  async follow(group: string, id: string, deadline: number): Promise<InstanceRefresh | 'timeout'> {
    for (;;) {
      const answer = await this.autoscaling.send(
        new DescribeInstanceRefreshesCommand({
          AutoScalingGroupName: group,
          InstanceRefreshIds: [id]
        })
      );
      const refresh = answer.InstanceRefreshes?.[0];
      if (!refresh) throw new Error(`Auto Scaling no longer knows refresh ${id} of ${group}`);
      const rollback = refresh.Status?.startsWith('Rollback')
        ? ` rollback ${refresh.RollbackDetails?.PercentageCompleteOnRollback ?? 0}%`
        : '';
      this.changed(
        group,
        `[${group}] ${refresh.Status} ${refresh.PercentageComplete ?? 0}%${rollback}, ` +
          `${refresh.InstancesToUpdate ?? '?'} to replace` +
          (refresh.StatusReason ? ` — ${refresh.StatusReason}` : '')
      );
      await this.instances(group);
      if (TERMINAL.has(refresh.Status ?? '')) return refresh;
      if (this.clock.now() >= deadline) return 'timeout';
      await this.clock.sleep(
        Math.min(this.pollIntervalMs, Math.max(0, deadline - this.clock.now()))
      );
    }
  }
}

function reasonOf(refresh: InstanceRefresh): string {
  return (
    refresh.RollbackDetails?.RollbackReason ??
    refresh.StatusReason ??
    `the refresh ended ${refresh.Status}`
  );
}

/**
 * Rolls out `inputs.version` to every group, one group after the other, each with an instance
 * refresh that launches before it terminates (minimum healthy 100%, maximum 200%), with
 * checkpoints and AWS's automatic rollback. When a group's refresh fails or outlasts the
 * timeout, that group is rolled back and the groups already refreshed are put back on their
 * previous version; the report says what happened to each.
 */
export async function refreshGroups(
  autoscaling: AutoScalingClient,
  plans: GroupPlan[],
  inputs: RefreshInputs,
  print: (line: string) => void,
  clock: Clock = { sleep: realSleep, now: Date.now }
): Promise<RefreshReport> {
  const follower = new Follower(autoscaling, inputs.pollIntervalMs, clock, print);
  const outcomes: GroupOutcome[] = plans.map((p) => ({
    group: p.name,
    from: p.previousVersion,
    to: inputs.version,
    result: 'not-started',
    durationMs: 0
  }));

  const start = async (group: string, version: string, rollbackable: boolean): Promise<string> => {
    try {
      const started = await autoscaling.send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: group,
          Strategy: 'Rolling',
          DesiredConfiguration: {
            LaunchTemplate: { LaunchTemplateId: inputs.launchTemplateId, Version: version }
          },
          Preferences: {
            // Launch before terminate: a new instance is healthy before an old one goes.
            MinHealthyPercentage: 100,
            MaxHealthyPercentage: 200,
            InstanceWarmup: inputs.instanceWarmupSeconds,
            ...(inputs.checkpointPercentages.length > 0
              ? {
                  CheckpointPercentages: inputs.checkpointPercentages,
                  CheckpointDelay: inputs.checkpointDelaySeconds
                }
              : {}),
            // Instances already on the version (a retried deploy) are not replaced again.
            SkipMatching: true,
            AutoRollback: rollbackable
          }
        })
      );
      return started.InstanceRefreshId ?? '';
    } catch (error) {
      if (
        (error as Error).name === 'InstanceRefreshInProgressFault' ||
        (error as Error).name === 'InstanceRefreshInProgress'
      ) {
        throw new ConfigurationError(
          `${group}: an instance refresh started meanwhile (${errorMessage(error)}); another deploy is running.`
        );
      }
      throw error;
    }
  };

  /** A refresh to the previous version, followed to its end: the way back when AWS's rollback is not possible. */
  const refreshBack = async (plan: GroupPlan): Promise<{ ok: boolean; reason?: string }> => {
    follower.say(`[${plan.name}] starting a refresh back to version ${plan.previousVersion}`);
    const id = await start(plan.name, plan.previousVersion, false);
    const end = await follower.follow(plan.name, id, clock.now() + inputs.timeoutMs);
    if (end !== 'timeout' && end.Status === 'Successful') return { ok: true };
    return {
      ok: false,
      reason:
        end === 'timeout' ? `not finished after ${formatDuration(inputs.timeoutMs)}` : reasonOf(end)
    };
  };

  /** Rolls back the group whose refresh `id` failed or timed out. */
  const rollBack = async (
    plan: GroupPlan,
    id: string,
    active: boolean
  ): Promise<{ ok: boolean; reason?: string }> => {
    if (active) {
      try {
        await autoscaling.send(
          new RollbackInstanceRefreshCommand({ AutoScalingGroupName: plan.name })
        );
        follower.say(
          `[${plan.name}] RollbackInstanceRefresh: back to version ${plan.previousVersion}`
        );
        const end = await follower.follow(plan.name, id, clock.now() + inputs.timeoutMs);
        if (end !== 'timeout' && end.Status === 'RollbackSuccessful') return { ok: true };
        return {
          ok: false,
          reason:
            end === 'timeout'
              ? `rollback not finished after ${formatDuration(inputs.timeoutMs)}`
              : reasonOf(end)
        };
      } catch (error) {
        follower.say(
          `[${plan.name}] RollbackInstanceRefresh refused (${errorMessage(error)}); cancelling instead`
        );
        try {
          await autoscaling.send(
            new CancelInstanceRefreshCommand({ AutoScalingGroupName: plan.name })
          );
          await follower.follow(plan.name, id, clock.now() + inputs.timeoutMs);
        } catch (cancelError) {
          follower.say(`[${plan.name}] CancelInstanceRefresh: ${errorMessage(cancelError)}`);
        }
      }
    }
    return refreshBack(plan);
  };

  for (const [index, plan] of plans.entries()) {
    const outcome = outcomes[index]!;
    if (plan.upToDate) {
      outcome.result = 'unchanged';
      follower.say(`[${plan.name}] already on version ${inputs.version}: nothing to replace`);
      continue;
    }
    const began = clock.now();
    const id = await start(plan.name, inputs.version, true);
    outcome.refreshId = id;
    follower.say(
      `[${plan.name}] instance refresh ${id}: version ${plan.previousVersion} → ${inputs.version}, ` +
        `${plan.instances.length} instance(s), launch before terminate`
    );
    const end = await follower.follow(plan.name, id, began + inputs.timeoutMs);
    if (end !== 'timeout' && end.Status === 'Successful') {
      outcome.result = 'successful';
      outcome.durationMs = clock.now() - began;
      continue;
    }

    // This group failed: bring it back, then every group already refreshed.
    let failure: string;
    if (end === 'timeout') {
      failure = `${plan.name}: the refresh did not finish within ${formatDuration(inputs.timeoutMs)}`;
      const back = await rollBack(plan, id, true);
      outcome.result = back.ok ? 'rolled-back' : 'rollback-failed';
      outcome.reason = back.ok ? 'timed out' : `timed out; rollback: ${back.reason}`;
    } else if (end.Status === 'RollbackSuccessful') {
      failure = `${plan.name}: ${reasonOf(end)}`;
      outcome.result = 'rolled-back';
      outcome.reason = `AWS rolled it back: ${reasonOf(end)}`;
    } else if (end.Status === 'RollbackFailed') {
      failure = `${plan.name}: ${reasonOf(end)}`;
      outcome.result = 'rollback-failed';
      outcome.reason = `AWS's rollback failed: ${end.StatusReason ?? reasonOf(end)}`;
    } else {
      failure = `${plan.name}: the refresh ended ${end.Status}: ${reasonOf(end)}`;
      const back = await rollBack(plan, id, false);
      outcome.result = back.ok ? 'rolled-back' : 'rollback-failed';
      outcome.reason = back.ok ? reasonOf(end) : `${reasonOf(end)}; rollback: ${back.reason}`;
    }
    outcome.durationMs = clock.now() - began;

    for (const done of plans.slice(0, index).reverse()) {
      const earlier = outcomes[plans.indexOf(done)]!;
      if (earlier.result !== 'successful') continue;
      const back = await refreshBack(done);
      earlier.result = back.ok ? 'undone' : 'rollback-failed';
      earlier.reason = back.ok
        ? `put back on version ${done.previousVersion} because ${plan.name} failed`
        : `not put back on version ${done.previousVersion}: ${back.reason}`;
    }
    return { outcomes, failure, log: follower.lines };
  }
  return { outcomes, log: follower.lines };
}
