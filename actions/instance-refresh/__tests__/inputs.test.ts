import { afterEach, describe, expect, it } from '@jest/globals';
import { readInputs } from '../src/inputs.js';

// readInputs through the runner's real input path: INPUT_* environment variables.

const GOOD: Record<string, string> = {
  'auto-scaling-groups': 'ecommerce-app-az1\necommerce-app-az2',
  'launch-template-id': 'lt-0123456789abcdef0',
  'launch-template-version': '7'
};

function withInputs(inputs: Record<string, string>, env: Record<string, string> = {}): void {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('INPUT_')) delete process.env[key];
  }
  for (const [name, value] of Object.entries(inputs)) {
    process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value;
  }
  Object.assign(process.env, { AWS_REGION: 'us-east-1', ...env });
}

afterEach(() => {
  for (const key of Object.keys(process.env)) {
    if (key.startsWith('INPUT_')) delete process.env[key];
  }
});

describe('readInputs', () => {
  it('reads the groups in order, the version and the defaults', () => {
    withInputs(GOOD);
    expect(readInputs()).toEqual({
      region: 'us-east-1',
      groups: ['ecommerce-app-az1', 'ecommerce-app-az2'],
      launchTemplateId: 'lt-0123456789abcdef0',
      version: '7',
      instanceWarmupSeconds: undefined,
      checkpointPercentages: [],
      checkpointDelaySeconds: 0,
      timeoutMs: 3_600_000,
      pollIntervalMs: 15_000
    });
  });

  it('takes checkpoints that ascend to 100, a warmup and a timeout', () => {
    withInputs({
      ...GOOD,
      'checkpoint-percentages': '34, 67, 100',
      'checkpoint-delay-seconds': '60',
      'instance-warmup-seconds': '90',
      'timeout-seconds': '1800'
    });
    expect(readInputs()).toMatchObject({
      checkpointPercentages: [34, 67, 100],
      checkpointDelaySeconds: 60,
      instanceWarmupSeconds: 90,
      timeoutMs: 1_800_000
    });
  });

  it.each([
    [
      { 'auto-scaling-groups': '' },
      'Input "auto-scaling-groups" is required: one Auto Scaling group name per line.'
    ],
    [
      {
        'auto-scaling-groups':
          'arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/a'
      },
      'Input "auto-scaling-groups": "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:x:autoScalingGroupName/a" is not a group name'
    ],
    [{ 'auto-scaling-groups': 'a\na' }, 'Input "auto-scaling-groups" names "a" twice.'],
    [
      { 'launch-template-id': 'my-template' },
      'Input "launch-template-id" must be a launch template id (lt-<hex>'
    ],
    [
      { 'launch-template-version': '$Latest' },
      'Input "launch-template-version" must be a version number (Terraform\'s latest_version), got "$Latest": with $Latest or $Default AWS cannot roll the refresh back.'
    ],
    [
      { 'launch-template-version': '0' },
      'Input "launch-template-version" must be a version number'
    ],
    [
      { 'checkpoint-percentages': '50,90' },
      'Input "checkpoint-percentages" must end with 100 (AWS requires it), got 50, 90.'
    ],
    [
      { 'checkpoint-percentages': '60,50,100' },
      'Input "checkpoint-percentages" must ascend, got 60, 50, 100.'
    ],
    [
      { 'checkpoint-percentages': '0,100' },
      'Input "checkpoint-percentages": "0" is not a percentage from 1 to 100.'
    ],
    [{ 'timeout-seconds': '0' }, 'Input "timeout-seconds" must be at least 1, got 0.'],
    [
      { 'checkpoint-delay-seconds': '172801' },
      'Input "checkpoint-delay-seconds" must be at most 172800, got 172801.'
    ],
    [
      { 'aws-region': 'Virginia' },
      'Input "aws-region" (or AWS_REGION) must be a region such as us-east-1, got "Virginia".'
    ]
  ])('refuses %j', (bad, message) => {
    withInputs({ ...GOOD, ...bad });
    expect(() => readInputs()).toThrow(message);
  });
});
