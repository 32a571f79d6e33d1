import { ConfigurationError } from '../../shared/src/errors.js';
import {
  getIntegerInput,
  getListInput,
  getOptionalInput,
  getRequiredInput
} from '../../shared/src/inputs.js';
import { Input } from './constants.js';

/** Everything the refresh needs, validated before any AWS call. */
export interface RefreshInputs {
  region: string;
  /** The groups to refresh, one after the other, in this order. */
  groups: string[];
  launchTemplateId: string;
  /** The launch template version to roll out: a number, never $Latest or $Default. */
  version: string;
  /** Seconds a new instance warms up before the next replacement; undefined: the group's own. */
  instanceWarmupSeconds: number | undefined;
  /** Ascending, the last one 100; empty: no checkpoints. */
  checkpointPercentages: number[];
  checkpointDelaySeconds: number;
  /** For each group's refresh, and again for its rollback. */
  timeoutMs: number;
  pollIntervalMs: number;
}

// Auto Scaling accepts almost any printable name; these are the names the project's Terraform
// gives its groups, and anything else is more likely a typo or a pasted ARN than a group.
const GROUP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const LAUNCH_TEMPLATE_ID = /^lt-[0-9a-f]{8,32}$/;

function readGroups(): string[] {
  const groups = getListInput(Input.AutoScalingGroups);
  if (groups.length === 0) {
    throw new ConfigurationError(
      `Input "${Input.AutoScalingGroups}" is required: one Auto Scaling group name per line.`
    );
  }
  for (const group of groups) {
    if (!GROUP_NAME.test(group)) {
      throw new ConfigurationError(
        `Input "${Input.AutoScalingGroups}": "${group}" is not a group name (letters, digits, ` +
          '".", "_" and "-", at most 255; a name, not an ARN).'
      );
    }
  }
  const seen = new Set<string>();
  for (const group of groups) {
    if (seen.has(group)) {
      throw new ConfigurationError(`Input "${Input.AutoScalingGroups}" names "${group}" twice.`);
    }
    seen.add(group);
  }
  return groups;
}

function readVersion(): string {
  const raw = getRequiredInput(Input.LaunchTemplateVersion);
  if (!/^[1-9]\d*$/.test(raw)) {
    throw new ConfigurationError(
      `Input "${Input.LaunchTemplateVersion}" must be a version number (Terraform's ` +
        `latest_version), got "${raw}": with $Latest or $Default AWS cannot roll the refresh back.`
    );
  }
  return raw;
}

function readCheckpoints(): number[] {
  const items = getListInput(Input.CheckpointPercentages);
  const percentages = items.map((item) => {
    if (!/^\d+$/.test(item) || Number(item) < 1 || Number(item) > 100) {
      throw new ConfigurationError(
        `Input "${Input.CheckpointPercentages}": "${item}" is not a percentage from 1 to 100.`
      );
    }
    return Number(item);
  });
  for (let i = 1; i < percentages.length; i++) {
    if (percentages[i]! <= percentages[i - 1]!) {
      throw new ConfigurationError(
        `Input "${Input.CheckpointPercentages}" must ascend, got ${percentages.join(', ')}.`
      );
    }
  }
  if (percentages.length > 0 && percentages.at(-1) !== 100) {
    throw new ConfigurationError(
      `Input "${Input.CheckpointPercentages}" must end with 100 (AWS requires it), got ` +
        `${percentages.join(', ')}.`
    );
  }
  return percentages;
}

/** Reads and checks every input; throws a ConfigurationError naming the first bad one. */
export function readInputs(): RefreshInputs {
  const region = getOptionalInput(Input.AwsRegion) ?? process.env.AWS_REGION ?? '';
  if (!/^[a-z]{2}(-[a-z]+)+-\d$/.test(region)) {
    throw new ConfigurationError(
      `Input "${Input.AwsRegion}" (or AWS_REGION) must be a region such as us-east-1, got "${region}".`
    );
  }
  const groups = readGroups();
  const launchTemplateId = getRequiredInput(Input.LaunchTemplateId);
  if (!LAUNCH_TEMPLATE_ID.test(launchTemplateId)) {
    throw new ConfigurationError(
      `Input "${Input.LaunchTemplateId}" must be a launch template id (lt-<hex>, Terraform's ` +
        `aws_launch_template id), got "${launchTemplateId}".`
    );
  }
  const version = readVersion();
  const warmup = getOptionalInput(Input.InstanceWarmupSeconds);
  const instanceWarmupSeconds =
    warmup === undefined
      ? undefined
      : getIntegerInput(Input.InstanceWarmupSeconds, { min: 0, max: 3600 });
  const checkpointPercentages = readCheckpoints();
  const checkpointDelaySeconds = getIntegerInput(Input.CheckpointDelaySeconds, {
    defaultValue: 0,
    min: 0,
    max: 172_800
  });
  const timeoutSeconds = getIntegerInput(Input.TimeoutSeconds, {
    defaultValue: 3600,
    min: 1,
    max: 6 * 3600
  });
  const pollSeconds = getIntegerInput(Input.PollIntervalSeconds, {
    defaultValue: 15,
    min: 1,
    max: 300
  });
  return {
    region,
    groups,
    launchTemplateId,
    version,
    instanceWarmupSeconds,
    checkpointPercentages,
    checkpointDelaySeconds,
    timeoutMs: timeoutSeconds * 1000,
    pollIntervalMs: pollSeconds * 1000
  };
}
