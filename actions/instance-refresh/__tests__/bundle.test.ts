import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  StartInstanceRefreshCommand
} from '@aws-sdk/client-auto-scaling';
import {
  CreateLaunchTemplateCommand,
  CreateLaunchTemplateVersionCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client
} from '@aws-sdk/client-ec2';
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { randomUUID } from 'node:crypto';
import { runBundle, type BundleRun } from '../../../tests/kit/action-bundle.js';
import { startMoto, type MotoServer } from '../../../tests/kit/stand-ins/moto.js';
import { startRefreshStandIn, type RefreshStandIn } from './support/refresh-stand-in.js';

// The committed bundle, run as the runner runs it, against moto's Auto Scaling, EC2 and ELBv2,
// with the instance refresh calls moto lacks answered by support/refresh-stand-in.ts, which
// carries each refresh out through moto (see the README: what is modelled and what is not).

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto: MotoServer;
let ec2: EC2Client;
let elb: ElasticLoadBalancingV2Client;
let motoAutoscaling: AutoScalingClient;
let subnets: string[];
let vpcId: string;

beforeAll(async () => {
  moto = await startMoto();
  const config = { region: 'us-east-1', endpoint: moto.endpoint, credentials };
  ec2 = new EC2Client(config);
  elb = new ElasticLoadBalancingV2Client(config);
  motoAutoscaling = new AutoScalingClient(config);
  vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId ?? '';
  subnets = [];
  for (const [cidr, zone] of [
    ['10.0.3.0/24', 'us-east-1a'],
    ['10.0.4.0/24', 'us-east-1b']
  ] as const) {
    const subnet = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: cidr, AvailabilityZone: zone })
    );
    subnets.push(subnet.Subnet?.SubnetId ?? '');
  }
}, 60_000);

afterAll(async () => {
  ec2?.destroy();
  elb?.destroy();
  motoAutoscaling?.destroy();
  await moto?.stop();
});

interface Shop {
  project: string;
  templateId: string;
  groups: string[];
  targetGroupArn: string;
}

/**
 * What the Terraform module builds, in moto: a launch template with versions 1 to 3 (each a
 * release; moto cannot take user data in a version, so the instance type tells them apart), one
 * group per zone at version 1 with 2 instances (max 6) in one target group.
 */
async function shop(): Promise<Shop> {
  const project = `shop-${randomUUID().slice(0, 8)}`;
  const template = await ec2.send(
    new CreateLaunchTemplateCommand({
      LaunchTemplateName: `${project}-app`,
      LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: 't3.small' }
    })
  );
  const templateId = template.LaunchTemplate?.LaunchTemplateId ?? '';
  for (const type of ['t3.medium', 't3.large'] as const) {
    await ec2.send(
      new CreateLaunchTemplateVersionCommand({
        LaunchTemplateId: templateId,
        LaunchTemplateData: { ImageId: 'ami-12c6146b', InstanceType: type }
      })
    );
  }
  const targetGroup = await elb.send(
    new CreateTargetGroupCommand({
      Name: `${project}-app`,
      Protocol: 'HTTP',
      Port: 3000,
      VpcId: vpcId,
      TargetType: 'instance'
    })
  );
  const targetGroupArn = targetGroup.TargetGroups?.[0]?.TargetGroupArn ?? '';
  const groups = [`${project}-app-az1`, `${project}-app-az2`];
  for (const [index, name] of groups.entries()) {
    await motoAutoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: name,
        LaunchTemplate: { LaunchTemplateId: templateId, Version: '1' },
        MinSize: 2,
        MaxSize: 6,
        DesiredCapacity: 2,
        VPCZoneIdentifier: subnets[index],
        TargetGroupARNs: [targetGroupArn],
        HealthCheckType: 'ELB',
        HealthCheckGracePeriod: 300
      })
    );
  }
  return { project, templateId, groups, targetGroupArn };
}

/** Each group's instances' launch template versions, as the action sees them. */
async function fleet(s: Shop, standIn: RefreshStandIn): Promise<Record<string, string[]>> {
  const client = new AutoScalingClient({
    region: 'us-east-1',
    endpoint: standIn.endpoint,
    credentials
  });
  try {
    const found = await client.send(
      new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: s.groups })
    );
    return Object.fromEntries(
      (found.AutoScalingGroups ?? []).map((g) => [
        g.AutoScalingGroupName ?? '',
        (g.Instances ?? []).map((i) => i.LaunchTemplate?.Version ?? '?').sort()
      ])
    );
  } finally {
    client.destroy();
  }
}

async function registered(s: Shop): Promise<string[]> {
  const health = await elb.send(
    new DescribeTargetHealthCommand({ TargetGroupArn: s.targetGroupArn })
  );
  return (health.TargetHealthDescriptions ?? []).map((d) => d.Target?.Id ?? '').sort();
}

async function instanceIds(s: Shop): Promise<string[]> {
  const found = await motoAutoscaling.send(
    new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: s.groups })
  );
  return (found.AutoScalingGroups ?? [])
    .flatMap((g) => (g.Instances ?? []).map((i) => i.InstanceId ?? ''))
    .sort();
}

function release(
  s: Shop,
  standIn: RefreshStandIn,
  inputs: Record<string, string> = {}
): Promise<BundleRun> {
  return runBundle('instance-refresh', {
    inputs: {
      'auto-scaling-groups': s.groups.join('\n'),
      'launch-template-id': s.templateId,
      'launch-template-version': '2',
      'poll-interval-seconds': '1',
      'timeout-seconds': '60',
      ...inputs
    },
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL_AUTO_SCALING: standIn.endpoint,
      AWS_ENDPOINT_URL_EC2: moto.endpoint
    },
    timeoutMs: 180_000
  });
}

async function withStandIn<T>(
  healthy: (version: string, group: string) => boolean,
  s: Shop,
  body: (standIn: RefreshStandIn) => Promise<T>,
  failAfterTicks = 4
): Promise<T> {
  const standIn = await startRefreshStandIn(moto.endpoint, {
    healthy,
    tickMs: 150,
    failAfterTicks,
    targetGroupArns: [s.targetGroupArn]
  });
  try {
    return await body(standIn);
  } finally {
    await standIn.stop();
  }
}

describe('instance-refresh bundle', () => {
  it('replaces every instance of both groups, one group after the other, launch before terminate, with a checkpoint', async () => {
    const s = await shop();
    const before = await instanceIds(s);
    await withStandIn(
      () => true,
      s,
      async (standIn) => {
        const run = await release(s, standIn, {
          'checkpoint-percentages': '50,100',
          'checkpoint-delay-seconds': '3'
        });
        expect(run.errors).toEqual([]);
        expect(run.exitCode).toBe(0);
        expect(run.outputs['result']).toBe('successful');
        expect(run.outputs['rolled-back']).toBe('false');
        const ids = JSON.parse(run.outputs['refresh-ids'] ?? '{}') as Record<string, string>;
        expect(Object.keys(ids)).toEqual(s.groups);
        expect(standIn.calls).toEqual(s.groups.map((g) => `StartInstanceRefresh ${g}`));
        // The second group started only after the first had succeeded.
        expect(standIn.refreshes[1]!.startTime.getTime()).toBeGreaterThanOrEqual(
          standIn.refreshes[0]!.endTime!.getTime()
        );
        expect(await fleet(s, standIn)).toEqual(
          Object.fromEntries(s.groups.map((g) => [g, ['2', '2']]))
        );
        const after = await instanceIds(s);
        expect(after.filter((id) => before.includes(id))).toEqual([]);
        expect(await registered(s)).toEqual(after);
        expect(run.stdout).toContain('launch before terminate');
        expect(run.stdout).toMatch(/InProgress 50%.*Waiting for the checkpoint at 50%/);
        expect(run.stdout).toMatch(/Successful 100%, 0 to replace/);
        expect(run.summary).toContain(
          `Released launch template ${s.templateId} version 2 to 2 group(s) by instance refresh.`
        );
        expect(run.summary).toMatch(
          new RegExp(`\\| ${s.groups[0]} \\| 1 \\| 2 \\| successful \\|`)
        );
      }
    );
  }, 180_000);

  it('when the second group never turns healthy, AWS rolls it back and the first group is put back on its previous version', async () => {
    const s = await shop();
    await withStandIn(
      (version, group) => !(version === '2' && group === s.groups[1]),
      s,
      async (standIn) => {
        const run = await release(s, standIn);
        expect(run.exitCode).not.toBe(0);
        expect(run.outputs['result']).toBe('rolled-back');
        expect(run.outputs['rolled-back']).toBe('true');
        expect(run.errors.join('\n')).toContain(
          `Rolled back to the previous launch template version on ${s.groups[0]} (version 1), ${s.groups[1]} (version 1): ${s.groups[1]}: Instance refresh failed. 2 instance(s) failed to pass ELB health checks: the new instances did not become healthy.`
        );
        expect(await fleet(s, standIn)).toEqual(
          Object.fromEntries(s.groups.map((g) => [g, ['1', '1']]))
        );
        expect(await registered(s)).toEqual(await instanceIds(s));
        expect(standIn.calls).toEqual([
          `StartInstanceRefresh ${s.groups[0]}`,
          `StartInstanceRefresh ${s.groups[1]}`,
          `StartInstanceRefresh ${s.groups[0]}`
        ]);
        expect(run.stdout).toContain(`[${s.groups[1]}] RollbackSuccessful`);
        expect(run.stdout).toContain(`[${s.groups[0]}] starting a refresh back to version 1`);
        expect(run.summary).toContain('Release of version 2 FAILED and was rolled back');
        expect(run.summary).toMatch(new RegExp(`\\| ${s.groups[0]} \\| 1 \\| 2 \\| undone \\|`));
        expect(run.summary).toMatch(
          new RegExp(`\\| ${s.groups[1]} \\| 1 \\| 2 \\| rolled-back \\|`)
        );
      }
    );
  }, 180_000);

  it('rolls back with RollbackInstanceRefresh when a refresh outlasts timeout-seconds', async () => {
    const s = await shop();
    await withStandIn(
      (version) => version !== '2',
      s,
      async (standIn) => {
        const run = await release(s, standIn, {
          'auto-scaling-groups': s.groups[0]!,
          'timeout-seconds': '3'
        });
        expect(run.exitCode).not.toBe(0);
        expect(run.outputs['result']).toBe('rolled-back');
        expect(run.errors.join('\n')).toContain(
          `Rolled back to the previous launch template version on ${s.groups[0]} (version 1): ${s.groups[0]}: the refresh did not finish within 3.0 s`
        );
        expect(standIn.calls).toEqual([
          `StartInstanceRefresh ${s.groups[0]}`,
          `RollbackInstanceRefresh ${s.groups[0]}`
        ]);
        expect(standIn.refreshes[0]!.status).toBe('RollbackSuccessful');
        expect((await fleet(s, standIn))[s.groups[0]!]).toEqual(['1', '1']);
      },
      // Health checks that never decide: only the action's own timeout ends the refresh.
      10_000
    );
  }, 180_000);

  it('refuses to start while a refresh is running, and starts nothing', async () => {
    const s = await shop();
    await withStandIn(
      (version) => version !== '3',
      s,
      async (standIn) => {
        const direct = new AutoScalingClient({
          region: 'us-east-1',
          endpoint: standIn.endpoint,
          credentials
        });
        const running = await direct.send(
          new StartInstanceRefreshCommand({
            AutoScalingGroupName: s.groups[1],
            DesiredConfiguration: {
              LaunchTemplate: { LaunchTemplateId: s.templateId, Version: '3' }
            }
          })
        );
        direct.destroy();
        const run = await release(s, standIn);
        expect(run.exitCode).not.toBe(0);
        expect(run.errors.join('\n')).toContain(
          `An instance refresh is already running, so nothing was started: ${s.groups[1]}: ${running.InstanceRefreshId} is `
        );
        expect(run.errors.join('\n')).not.toContain('instance-refresh failed');
        expect(standIn.calls).toEqual([`StartInstanceRefresh ${s.groups[1]}`]);
        expect((await fleet(s, standIn))[s.groups[0]!]).toEqual(['1', '1']);
      },
      10_000
    );
  }, 180_000);

  it('refuses a launch template version that does not exist, and a group that does not, before anything starts', async () => {
    const s = await shop();
    await withStandIn(
      () => true,
      s,
      async (standIn) => {
        const missingVersion = await release(s, standIn, { 'launch-template-version': '9' });
        expect(missingVersion.exitCode).not.toBe(0);
        expect(missingVersion.errors).toEqual([
          `Input "launch-template-version": launch template ${s.templateId} has no version 9 (its latest is 3). Nothing was started.`
        ]);
        const missingGroup = await release(s, standIn, {
          'auto-scaling-groups': `${s.groups[0]}\n${s.project}-app-az3`
        });
        expect(missingGroup.errors).toEqual([
          `Input "auto-scaling-groups": no Auto Scaling group named ${s.project}-app-az3 in us-east-1. Nothing was started.`
        ]);
        const latest = await release(s, standIn, { 'launch-template-version': '$Latest' });
        expect(latest.errors.join('\n')).toContain(
          'Input "launch-template-version" must be a version number'
        );
        expect(standIn.calls).toEqual([]);
      }
    );
  }, 180_000);
});
