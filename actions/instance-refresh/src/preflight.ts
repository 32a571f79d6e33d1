import {
  type AutoScalingClient,
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeInstanceRefreshesCommand
} from '@aws-sdk/client-auto-scaling';
import {
  DescribeLaunchTemplateVersionsCommand,
  DescribeLaunchTemplatesCommand,
  type EC2Client
} from '@aws-sdk/client-ec2';
import { ConfigurationError, errorMessage } from '../../shared/src/errors.js';
import { ACTIVE_STATUSES, Input } from './constants.js';
import type { RefreshInputs } from './inputs.js';

/** A group as found before anything changes: what it runs now is what a rollback restores. */
export interface GroupPlan {
  name: string;
  /** The launch template version the group is configured with now. */
  previousVersion: string;
  /** Instances in the group and the version each was launched from. */
  instances: { id: string; version: string | undefined }[];
  /** Already configured with the new version and every instance launched from it. */
  upToDate: boolean;
}

const ACCESS_DENIED = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation']);

function denied(error: unknown, what: string): never {
  throw new ConfigurationError(
    `AWS refused to ${what} (${errorMessage(error)}). The rollout role needs ` +
      'autoscaling:Describe* and ec2:DescribeLaunchTemplates, DescribeLaunchTemplateVersions ' +
      "(terraform/bootstrap: the rollout role's instance refresh statements)."
  );
}

/** The launch template version must exist: a refresh to a missing one fails only inside AWS. */
async function checkVersion(ec2: EC2Client, inputs: RefreshInputs): Promise<void> {
  const { launchTemplateId: id, version } = inputs;
  let latest: number | undefined;
  try {
    const templates = await ec2.send(
      new DescribeLaunchTemplatesCommand({ LaunchTemplateIds: [id] })
    );
    latest = templates.LaunchTemplates?.[0]?.LatestVersionNumber;
  } catch (error) {
    const name = (error as Error).name;
    if (ACCESS_DENIED.has(name)) denied(error, 'describe the launch template');
    if (name.startsWith('InvalidLaunchTemplate')) {
      throw new ConfigurationError(
        `Input "${Input.LaunchTemplateId}": launch template ${id} does not exist in ${inputs.region} ` +
          `(${errorMessage(error)}). Nothing was started.`
      );
    }
    throw error;
  }
  if (latest === undefined) {
    throw new ConfigurationError(
      `Input "${Input.LaunchTemplateId}": launch template ${id} does not exist in ${inputs.region}. ` +
        'Nothing was started.'
    );
  }
  let found = false;
  try {
    const versions = await ec2.send(
      new DescribeLaunchTemplateVersionsCommand({ LaunchTemplateId: id, Versions: [version] })
    );
    found = (versions.LaunchTemplateVersions ?? []).some(
      (v) => String(v.VersionNumber) === version
    );
  } catch (error) {
    if (ACCESS_DENIED.has((error as Error).name)) denied(error, 'describe the launch template');
    if (!(error as Error).name.startsWith('InvalidLaunchTemplate')) throw error;
  }
  if (!found) {
    throw new ConfigurationError(
      `Input "${Input.LaunchTemplateVersion}": launch template ${id} has no version ${version} ` +
        `(its latest is ${latest}). Nothing was started.`
    );
  }
}

function planGroup(group: AutoScalingGroup, inputs: RefreshInputs): GroupPlan {
  const name = group.AutoScalingGroupName ?? '';
  const template = group.LaunchTemplate;
  if (!template || template.LaunchTemplateId !== inputs.launchTemplateId) {
    throw new ConfigurationError(
      `Auto Scaling group ${name} does not launch from ${inputs.launchTemplateId} ` +
        `(it uses ${template?.LaunchTemplateId ?? group.LaunchConfigurationName ?? 'a mixed instances policy'}). ` +
        'Nothing was started.'
    );
  }
  const previousVersion = template.Version ?? '';
  if (!/^\d+$/.test(previousVersion)) {
    throw new ConfigurationError(
      `Auto Scaling group ${name} uses launch template version "${previousVersion}": AWS cannot roll ` +
        'a refresh back from $Latest or $Default. Give the group a version number (Terraform: ' +
        'launch_template { version = ... }). Nothing was started.'
    );
  }
  const instances = (group.Instances ?? []).map((i) => ({
    id: i.InstanceId ?? '',
    version: i.LaunchTemplate?.Version
  }));
  const upToDate =
    previousVersion === inputs.version && instances.every((i) => i.version === inputs.version);
  return { name, previousVersion, instances, upToDate };
}

/**
 * Everything that can be known wrong before a refresh starts: the version exists, each group
 * exists, launches from this template at a version number, and has no refresh under way.
 * Nothing is changed unless all of it holds.
 */
export async function preflight(
  autoscaling: AutoScalingClient,
  ec2: EC2Client,
  inputs: RefreshInputs
): Promise<GroupPlan[]> {
  await checkVersion(ec2, inputs);
  let groups: AutoScalingGroup[];
  try {
    groups =
      (
        await autoscaling.send(
          new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: inputs.groups })
        )
      ).AutoScalingGroups ?? [];
  } catch (error) {
    if (ACCESS_DENIED.has((error as Error).name)) denied(error, 'describe the groups');
    throw error;
  }
  const missing = inputs.groups.filter((n) => !groups.some((g) => g.AutoScalingGroupName === n));
  if (missing.length > 0) {
    throw new ConfigurationError(
      `Input "${Input.AutoScalingGroups}": no Auto Scaling group named ${missing.join(', ')} in ` +
        `${inputs.region}. Nothing was started.`
    );
  }
  const plans = inputs.groups.map((n) =>
    planGroup(
      groups.find((g) => g.AutoScalingGroupName === n)!,
      inputs
    )
  );
  const running: string[] = [];
  for (const plan of plans) {
    const refreshes =
      (
        await autoscaling.send(
          new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: plan.name, MaxRecords: 10 })
        )
      ).InstanceRefreshes ?? [];
    for (const r of refreshes) {
      if (ACTIVE_STATUSES.has(r.Status ?? '')) {
        running.push(
          `${plan.name}: ${r.InstanceRefreshId} is ${r.Status}` +
            (r.StartTime ? ` since ${r.StartTime.toISOString()}` : '') +
            (r.PercentageComplete !== undefined ? ` (${r.PercentageComplete}% done)` : '')
        );
      }
    }
  }
  if (running.length > 0) {
    throw new ConfigurationError(
      `An instance refresh is already running, so nothing was started: ${running.join('; ')}. ` +
        'Let it finish (another deploy is rolling out), or stop it with ' +
        '`aws autoscaling cancel-instance-refresh --auto-scaling-group-name <group>`, then run the deploy again.'
    );
  }
  return plans;
}
