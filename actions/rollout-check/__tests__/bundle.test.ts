import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { CreateDocumentCommand, ListCommandsCommand, SSMClient } from '@aws-sdk/client-ssm';
import {
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand
} from '@aws-sdk/client-ec2';
import { randomUUID } from 'node:crypto';
import { runBundle, type BundleRun } from '../../../tests/kit/action-bundle.js';
import { freePort } from '../../../tests/kit/processes.js';
import { startMoto, type MotoServer } from '../../../tests/kit/stand-ins/moto.js';
import { startLoadBalancer } from '../../../tests/kit/stand-ins/load-balancer.js';

// The committed bundle, run as the runner runs it, against moto's EC2 (instances created,
// stopped and started through the real SDK) and a loopback load-balancer stand-in.

let moto: MotoServer;
let ec2: EC2Client;

beforeAll(async () => {
  moto = await startMoto();
  ec2 = new EC2Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }
  });
}, 60_000);

afterAll(async () => {
  ec2?.destroy();
  await moto?.stop();
});

/** Launch one server with the project's tags, as Terraform's ec2 module tags them. */
async function launch(project: string, role: string, name: string): Promise<string> {
  const result = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.small',
      MinCount: 1,
      MaxCount: 1,
      TagSpecifications: [
        {
          ResourceType: 'instance',
          Tags: [
            { Key: 'Project', Value: project },
            { Key: 'Role', Value: role },
            { Key: 'Name', Value: name }
          ]
        }
      ]
    })
  );
  return result.Instances?.[0]?.InstanceId ?? '';
}

function rollout(
  project: string,
  baseUrl: string,
  inputs: Record<string, string> = {}
): Promise<BundleRun> {
  return runBundle('rollout-check', {
    inputs: {
      'tag-filters': `Project=${project}\nRole=app`,
      'base-url': baseUrl,
      'poll-interval-seconds': '1',
      'timeout-seconds': '30',
      ...inputs
    },
    env: {
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'testing',
      AWS_SECRET_ACCESS_KEY: 'testing',
      AWS_ENDPOINT_URL_EC2: moto.endpoint,
      AWS_ENDPOINT_URL_SSM: moto.endpoint,
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: moto.endpoint
    }
  });
}

describe('rollout-check bundle', () => {
  it('waits for a stopped server to start and for the load balancer to turn healthy, then reports each server', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    const az1 = await launch(project, 'app', `${project}_app_az1`);
    const az2 = await launch(project, 'app', `${project}_app_az2`);
    await launch(project, 'bastion', `${project}_bastion_az1`);
    const gone = await launch(project, 'app', `${project}_app_old`);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
    await ec2.send(new StopInstancesCommand({ InstanceIds: [az2] }));
    const lb = await startLoadBalancer({ healthyAfterMs: 2000 });
    try {
      const starting = new Promise<void>((resolve) =>
        setTimeout(() => {
          void ec2.send(new StartInstancesCommand({ InstanceIds: [az2] })).then(() => resolve());
        }, 2500)
      );
      const run = await rollout(project, lb.url, { 'expected-count': '2' });
      await starting;
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      expect(JSON.parse(run.outputs['instance-ids'] ?? '[]')).toEqual([az1, az2]);
      expect(Number(run.outputs['seconds-to-healthy'])).toBeGreaterThanOrEqual(1);
      // The load balancer answered 503 first, then the shop.
      expect(run.stdout).toMatch(/health 503, catalog API 500, storefront 502/);
      expect(run.stdout).toMatch(/health 200, catalog API 200, storefront 200/);
      // It saw the stopped server, then the running one.
      expect(run.stdout).toMatch(new RegExp(`${project}_app_az2 stopped`));
      expect(run.stdout).toMatch(new RegExp(`${project}_app_az2 running ok/ok`));
      expect(run.summary).toContain('### Rollout check — ✅ healthy');
      expect(run.summary).toContain(`| ${project}_app_az1 | ${az1} |`);
      expect(run.summary).toContain('| ✅ catalog API |');
      expect(run.summary).not.toContain('bastion');
      expect(lb.requests).toEqual(
        expect.arrayContaining(['GET /readyz', 'GET /api/products/', 'GET /'])
      );
    } finally {
      await lb.stop();
    }
  });

  it('a load balancer that never turns healthy: fails with the last statuses and bodies', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    await launch(project, 'app', `${project}_app_az1`);
    const lb = await startLoadBalancer({ healthyAfterMs: Infinity });
    try {
      const run = await rollout(project, lb.url, { 'timeout-seconds': '4' });
      expect(run.exitCode).not.toBe(0);
      const message = run.errors[0] ?? '';
      expect(message).toContain('The rollout did not become healthy within 4.0 s');
      expect(message).toContain('waiting for the shop to answer through the load balancer');
      expect(message).toMatch(new RegExp(`${project}_app_az1 i-\\w+ running`));
      expect(message).toContain(`health ${lb.url}/readyz → HTTP 503 "database unavailable"`);
      expect(message).toContain('catalog API');
      expect(message).toContain('HTTP 500');
      expect(message).toContain('OperationalError: could not connect to server');
      expect(message).toContain('HTTP 502');
      expect(run.summary).toContain('### Rollout check — ❌ not healthy');
      expect(run.summary).toContain('| ❌ health |');
    } finally {
      await lb.stop();
    }
  });

  it('a server that stays stopped: fails naming it and its state, with the load balancer probed once', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    await launch(project, 'app', `${project}_app_az1`);
    const az2 = await launch(project, 'app', `${project}_app_az2`);
    await ec2.send(new StopInstancesCommand({ InstanceIds: [az2] }));
    const lb = await startLoadBalancer({ healthyAfterMs: 0 });
    try {
      const run = await rollout(project, lb.url, { 'timeout-seconds': '3' });
      const message = run.errors[0] ?? '';
      expect(message).toContain('waiting for the servers to run and pass their status checks');
      expect(message).toContain(`${project}_app_az2 ${az2} stopped`);
      expect(message).toContain('/readyz → HTTP 200');
    } finally {
      await lb.stop();
    }
  });

  it('fewer servers than expected-count: fails saying how many it expected', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    await launch(project, 'app', `${project}_app_az1`);
    const lb = await startLoadBalancer({ healthyAfterMs: 0 });
    try {
      const run = await rollout(project, lb.url, { 'timeout-seconds': '2', 'expected-count': '2' });
      expect(run.errors[0]).toContain('expected at least 2');
    } finally {
      await lb.stop();
    }
  });

  it('an unreachable load balancer: fails with the connection error', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    await launch(project, 'app', `${project}_app_az1`);
    const port = await freePort();
    const run = await rollout(project, `http://127.0.0.1:${port}`, { 'timeout-seconds': '3' });
    expect(run.errors[0]).toContain('ECONNREFUSED');
  });

  it('no tag filters, a malformed base-url, no region: each fails naming the input', async () => {
    for (const [inputs, expected] of [
      [{ 'tag-filters': '' }, 'Input "tag-filters" needs at least one KEY=value line'],
      [{ 'base-url': 'shop.example.com' }, 'Input "base-url" must be a URL'],
      [{ 'health-path': 'readyz' }, 'Input "health-path" must be a path starting with /']
    ] as const) {
      const run = await rollout('x', 'http://127.0.0.1:1', inputs);
      expect(run.errors[0]).toContain(expected);
    }
    const noRegion = await runBundle('rollout-check', {
      inputs: { 'tag-filters': 'Role=app', 'base-url': 'http://127.0.0.1:1' }
    });
    expect(noRegion.errors[0]).toContain(
      'Input "aws-region" (or AWS_REGION) must be an AWS region'
    );
  });

  it('redeploys one server at a time: out of the target group, SSM document, back in healthy; then checks the shop', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    const az1 = await launch(project, 'app', `${project}_app_az1`);
    const az2 = await launch(project, 'app', `${project}_app_az2`);
    const config = {
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }
    };
    const elb = new ElasticLoadBalancingV2Client(config);
    const ssm = new SSMClient(config);
    const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
    const tg = await elb.send(
      new CreateTargetGroupCommand({
        Name: project,
        Protocol: 'HTTP',
        Port: 3000,
        VpcId: vpc.Vpc?.VpcId,
        TargetType: 'instance'
      })
    );
    const arn = tg.TargetGroups?.[0]?.TargetGroupArn ?? '';
    await elb.send(
      new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: [{ Id: az1 }, { Id: az2 }] })
    );
    const document = `${project}-deploy`;
    await ssm.send(
      new CreateDocumentCommand({
        Name: document,
        DocumentType: 'Command',
        DocumentFormat: 'JSON',
        Content: JSON.stringify({
          schemaVersion: '2.2',
          description: 'Pull and start the images named in SSM',
          mainSteps: [
            {
              action: 'aws:runShellScript',
              name: 'deploy',
              inputs: { runCommand: ['/usr/local/sbin/ecommerce-deploy'] }
            }
          ]
        })
      })
    );
    const lb = await startLoadBalancer({ healthyAfterMs: 0 });
    try {
      const run = await rollout(project, lb.url, {
        'redeploy-document': document,
        'target-group-arn': arn,
        'healthy-rounds': '1'
      });
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      // One at a time, in zone order: az1 leaves and returns before az2 leaves.
      const order = [
        ...run.stdout.matchAll(/(\S+_app_az\d) \(i-\w+\): (leaving|running|back in)/g)
      ].map((m) => `${m[1]?.slice(-3)} ${m[2]}`);
      expect(order).toEqual([
        'az1 leaving',
        'az1 running',
        'az1 back in',
        'az2 leaving',
        'az2 running',
        'az2 back in'
      ]);
      expect(run.summary).toContain(`#### Redeploy with ${document}, one server at a time`);
      expect(run.summary).toMatch(
        new RegExp(`\\| ${project}_app_az2 \\| ${az2} \\| [0-9a-f-]{36} \\| Success \\|`)
      );
      const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      expect(health.TargetHealthDescriptions?.map((t) => t.TargetHealth?.State)).toEqual([
        'healthy',
        'healthy'
      ]);
      const commands = await ssm.send(new ListCommandsCommand({}));
      const ours = (commands.Commands ?? []).filter((c) => c.DocumentName === document);
      // Two commands, one per server (moto lists every instance under a command sent without
      // Targets, so the instance IDs are checked through the log order above instead).
      expect(ours).toHaveLength(2);
      expect(ours[0]?.Comment).toBe('deploy 0123456789ab run 4242');
    } finally {
      elb.destroy();
      ssm.destroy();
      await lb.stop();
    }
  });

  it('a redeploy-document or target-group-arn that is malformed: fails naming the input', async () => {
    const bad = await rollout('x', 'http://127.0.0.1:1', { 'redeploy-document': 'a b' });
    expect(bad.errors[0]).toContain('Input "redeploy-document" must be an SSM document name');
    const badArn = await rollout('x', 'http://127.0.0.1:1', { 'target-group-arn': 'tg-1' });
    expect(badArn.errors[0]).toContain('Input "target-group-arn" must be a target group ARN');
  });
});
