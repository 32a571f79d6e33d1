import * as core from '@actions/core';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { appendSummary, details, formatDuration, markdownTable } from '../../shared/src/summary.js';
import { Output, type Result } from './constants.js';
import { type RefreshInputs, readInputs } from './inputs.js';
import { preflight } from './preflight.js';
import { type RefreshReport, refreshGroups } from './refresh.js';

/** The step's result from the groups' outcomes. */
export function resultOf(report: RefreshReport): Result {
  if (report.outcomes.some((o) => o.result === 'rollback-failed')) return 'rollback-failed';
  if (report.failure) return 'rolled-back';
  return report.outcomes.every((o) => o.result === 'unchanged') ? 'unchanged' : 'successful';
}

/** The job summary: one first line that says what happened, a row per group, the progress log. */
export function summaryOf(inputs: RefreshInputs, report: RefreshReport): string {
  const result = resultOf(report);
  const failure = (report.failure ?? '').replace(/\.+$/, '');
  const first = {
    successful: `Released launch template ${inputs.launchTemplateId} version ${inputs.version} to ${report.outcomes.length} group(s) by instance refresh.`,
    unchanged: `Every group already ran launch template ${inputs.launchTemplateId} version ${inputs.version}: nothing was replaced.`,
    'rolled-back': `Release of version ${inputs.version} FAILED and was rolled back: ${failure}.`,
    'rollback-failed': `Release of version ${inputs.version} FAILED and the rollback is INCOMPLETE: ${failure}.`
  }[result];
  const table = markdownTable(
    ['group', 'from', 'to', 'result', 'took', 'refresh', 'why'],
    report.outcomes.map((o) => [
      o.group,
      o.from,
      o.to,
      o.result,
      o.durationMs > 0 ? formatDuration(o.durationMs) : '',
      o.refreshId ?? '',
      o.reason ?? ''
    ])
  );
  return `### Instance refresh\n\n${first}\n\n${table}\n\n${details('Progress', report.log.join('\n'), 'text')}\n`;
}

/** The release once inputs are read: tests call it with plain objects and clients of their own. */
export async function run(
  inputs: RefreshInputs,
  clients: { autoscaling: AutoScalingClient; ec2: EC2Client }
): Promise<void> {
  const plans = await preflight(clients.autoscaling, clients.ec2, inputs);
  const report = await refreshGroups(clients.autoscaling, plans, inputs, (line) => core.info(line));
  const result = resultOf(report);
  core.setOutput(Output.Result, result);
  core.setOutput(
    Output.RefreshIds,
    JSON.stringify(Object.fromEntries(report.outcomes.map((o) => [o.group, o.refreshId ?? ''])))
  );
  core.setOutput(
    Output.RolledBack,
    String(result === 'rolled-back' || result === 'rollback-failed')
  );
  await appendSummary(summaryOf(inputs, report));
  if (!report.failure) return;
  // AWS's reasons end with a full stop; the messages add their own.
  const failure = report.failure.replace(/\.+$/, '');
  const groups = (kind: string[]) =>
    report.outcomes
      .filter((o) => kind.includes(o.result))
      .map((o) => `${o.group} (version ${o.from})`)
      .join(', ');
  if (result === 'rollback-failed') {
    const stuck = report.outcomes.filter((o) => o.result === 'rollback-failed');
    throw new Error(
      `Rollback INCOMPLETE after ${failure}: ${stuck.map((o) => `${o.group}: ${o.reason}`).join('; ')}. ` +
        "Look at the group's activity (aws autoscaling describe-scaling-activities) and the instances' " +
        '/var/log/user-data.log; the load balancer keeps serving from the healthy instances.'
    );
  }
  throw new Error(
    `Rolled back to the previous launch template version on ${groups(['rolled-back', 'undone'])}: ${failure}.`
  );
}

export async function main(): Promise<void> {
  const inputs = readInputs();
  const autoscaling = new AutoScalingClient({ region: inputs.region });
  const ec2 = new EC2Client({ region: inputs.region });
  try {
    await run(inputs, { autoscaling, ec2 });
  } finally {
    autoscaling.destroy();
    ec2.destroy();
  }
}
