import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateDocumentCommand,
  GetParameterCommand,
  ListCommandsCommand,
  PutParameterCommand,
  SSMClient
} from '@aws-sdk/client-ssm';
import {
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
  StartInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand
} from '@aws-sdk/client-ec2';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runBundle, type BundleRun } from '../../../tests/kit/action-bundle.js';
import { freePort } from '../../../tests/kit/processes.js';
import { startMoto, type MotoServer } from '../../../tests/kit/stand-ins/moto.js';
import { startLoadBalancer } from '../../../tests/kit/stand-ins/load-balancer.js';
import { startFleet, type FleetStandIn } from './support/fleet.js';

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
        new RegExp(
          `\\| ${project}_app_az2 \\| ${az2} \\| ✅ Success, healthy \\(.*, command [0-9a-f-]{36}\\) \\|`
        )
      );
      // Without image-parameters the document reads SSM itself: no parameters are sent.
      expect(run.outputs['rolled-back']).toBe('false');
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

// The rollback: the same bundle against moto, with the fleet stand-in (support/fleet.ts) in
// front of its SSM and ELBv2 playing servers that fail on the images the test calls bad.
describe('rollout-check bundle: a failed rollout rolls back', () => {
  const digest = (c: string): string => `sha256:${c.repeat(64)}`;
  const OLD = {
    backend: `docker.io/acme/ecommerce-backend@${digest('a')}`,
    frontend: `docker.io/acme/ecommerce-frontend@${digest('b')}`
  };
  const NEW = {
    backend: `docker.io/acme/ecommerce-backend@${digest('c')}`,
    frontend: `docker.io/acme/ecommerce-frontend@${digest('d')}`
  };
  let elb: ElasticLoadBalancingV2Client;
  let ssm: SSMClient;

  beforeAll(() => {
    const config = {
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }
    };
    elb = new ElasticLoadBalancingV2Client(config);
    ssm = new SSMClient(config);
  });

  afterAll(() => {
    elb?.destroy();
    ssm?.destroy();
  });

  /**
   * Servers in a target group, the deploy document with Terraform's parameters, and the image
   * parameters with the given history (oldest first).
   */
  async function fleetOf(
    project: string,
    zones: string[],
    history: { backend: string; frontend: string }[]
  ) {
    const ids: string[] = [];
    for (const zone of zones) ids.push(await launch(project, 'app', `${project}_app_${zone}`));
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
      new RegisterTargetsCommand({ TargetGroupArn: arn, Targets: ids.map((Id) => ({ Id })) })
    );
    const document = `${project}-deploy`;
    const image = {
      type: 'String',
      default: '',
      allowedPattern: '^$|^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$'
    };
    await ssm.send(
      new CreateDocumentCommand({
        Name: document,
        DocumentType: 'Command',
        DocumentFormat: 'JSON',
        Content: JSON.stringify({
          schemaVersion: '2.2',
          description: 'Pull and start the given images (empty: those in SSM)',
          parameters: { backendImage: image, frontendImage: image },
          mainSteps: [
            {
              action: 'aws:runShellScript',
              name: 'deploy',
              inputs: {
                runCommand: [
                  "/usr/local/sbin/ecommerce-deploy '{{ backendImage }}' '{{ frontendImage }}'"
                ]
              }
            }
          ]
        })
      })
    );
    const names = {
      backend: `/${project}/deploy/backend_image`,
      frontend: `/${project}/deploy/frontend_image`
    };
    for (const release of history) {
      for (const part of ['backend', 'frontend'] as const) {
        await ssm.send(
          new PutParameterCommand({
            Name: names[part],
            Value: release[part],
            Type: 'String',
            Overwrite: true
          })
        );
      }
    }
    return { ids, arn, document, names };
  }

  function redeployWith(
    project: string,
    lbUrl: string,
    fleet: FleetStandIn,
    setup: { arn: string; document: string },
    inputs: Record<string, string>
  ): Promise<BundleRun> {
    return runBundle('rollout-check', {
      inputs: {
        'tag-filters': `Project=${project}\nRole=app`,
        'base-url': lbUrl,
        'poll-interval-seconds': '1',
        'timeout-seconds': '30',
        'redeploy-timeout-seconds': '30',
        'healthy-rounds': '1',
        'redeploy-document': setup.document,
        'target-group-arn': setup.arn,
        ...inputs
      },
      env: {
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'testing',
        AWS_SECRET_ACCESS_KEY: 'testing',
        AWS_ENDPOINT_URL_EC2: moto.endpoint,
        AWS_ENDPOINT_URL_SSM: fleet.endpoint,
        AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: fleet.endpoint,
        GITHUB_SHA: '0123456789abcdef',
        GITHUB_RUN_ID: '4242'
      },
      timeoutMs: 150_000
    });
  }

  async function value(name: string) {
    const found = await ssm.send(new GetParameterCommand({ Name: name }));
    return { value: found.Parameter?.Value, version: found.Parameter?.Version };
  }

  /** Every target moto has in the group, whatever its state: none may be missing. */
  async function registered(arn: string): Promise<string[]> {
    const health = await elb.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
    return (health.TargetHealthDescriptions ?? []).map((t) => t.Target?.Id ?? '').sort();
  }

  /** The parameters moto recorded for each command of the document, oldest first. */
  async function recordedParameters(document: string) {
    const listed = await ssm.send(new ListCommandsCommand({}));
    return (listed.Commands ?? [])
      .filter((c) => c.DocumentName === document)
      .sort((a, b) => (a.RequestedDateTime?.getTime() ?? 0) - (b.RequestedDateTime?.getTime() ?? 0))
      .map((c) => c.Parameters);
  }

  it('a server that never turns healthy on the new images: previous images back in SSM and on every server touched, none left out', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    const setup = await fleetOf(project, ['az1', 'az2', 'az3'], [OLD, NEW]);
    const [az1, az2, az3] = setup.ids as [string, string, string];
    // az2 fails its health check with the new backend; every server is fine with the old one.
    const fleet = await startFleet(moto.endpoint, (id, p) =>
      id === az2 && p.backendImage?.[0] === NEW.backend ? 'unhealthy' : 'ok'
    );
    const lb = await startLoadBalancer({ healthyAfterMs: 0 });
    try {
      const run = await redeployWith(project, lb.url, fleet, setup, {
        'image-parameters': `${setup.names.backend}=${NEW.backend}\n${setup.names.frontend}=${NEW.frontend}`
      });
      expect(run.exitCode).not.toBe(0);
      expect(run.outputs['rolled-back']).toBe('true');
      const label = (zone: string, id: string) => `${project}_app_${zone} (${id})`;
      const message = run.errors[0] ?? '';
      expect(message.split('\n')[0]).toBe(
        `rollout-check failed: Rolled back to backendImage ${OLD.backend}, frontendImage ${OLD.frontend} ` +
          `on ${label('az1', az1)}, ${label('az2', az2)}.`
      );
      expect(message).toContain(
        `${label('az2', az2)} becoming healthy in the target group: gave up, last seen unhealthy / Target.FailedHealthChecks`
      );

      // SSM holds the previous references again, as new versions.
      expect(await value(setup.names.backend)).toEqual({ value: OLD.backend, version: 3 });
      expect(await value(setup.names.frontend)).toEqual({ value: OLD.frontend, version: 3 });

      // The document ran with the new images on az1 and az2, then with the previous ones on
      // both; az3 was never touched. Both what the servers were sent and what moto recorded.
      const sent = (images: typeof OLD) => ({
        backendImage: [images.backend],
        frontendImage: [images.frontend]
      });
      expect(fleet.commands.map((c) => [c.instanceIds, c.parameters])).toEqual([
        [[az1], sent(NEW)],
        [[az2], sent(NEW)],
        [[az1], sent(OLD)],
        [[az2], sent(OLD)]
      ]);
      expect(await recordedParameters(setup.document)).toEqual([
        sent(NEW),
        sent(NEW),
        sent(OLD),
        sent(OLD)
      ]);

      // None left out of the target group.
      expect(await registered(setup.arn)).toEqual([az1, az2, az3].sort());

      // The log, in order, for the person on call.
      const steps = [
        ...run.stdout.matchAll(
          /(ROLLOUT FAILED on \S+|ROLLED BACK|Rollback \d\/\d: \S+|Restored \S+|\S+_app_az\d \(i-\w+\): (?:leaving|running|back in|healthy|FAILED))/g
        )
      ].map((m) => m[1]?.replace(project, 'p').replace(/ \(i-\w+\)/, ''));
      expect(steps).toEqual([
        'p_app_az1: leaving',
        'p_app_az1: running',
        'p_app_az1: back in',
        'p_app_az1: healthy',
        'p_app_az2: leaving',
        'p_app_az2: running',
        'p_app_az2: back in',
        'p_app_az2: FAILED',
        'ROLLOUT FAILED on p_app_az2',
        `Restored ${setup.names.backend.replace(project, 'p')}`,
        `Restored ${setup.names.frontend.replace(project, 'p')}`,
        'Rollback 1/2: p_app_az1',
        'p_app_az1: leaving',
        'p_app_az1: running',
        'p_app_az1: back in',
        'p_app_az1: healthy',
        'Rollback 2/2: p_app_az2',
        'p_app_az2: leaving',
        'p_app_az2: running',
        'p_app_az2: back in',
        'p_app_az2: healthy',
        'ROLLED BACK'
      ]);

      // The summary: what was rolled back first, then one row per server.
      expect(run.summary).toContain(
        '### Rollout check — ❌ rolled back\n\n**Rolled back to backendImage'
      );
      expect(run.summary).toMatch(
        new RegExp(
          `\\| ${project}_app_az2 \\| ${az2} \\| ❌ document succeeded; .*becoming healthy.* \\| ✅ Success, healthy`
        )
      );
      expect(run.summary).toMatch(
        new RegExp(
          `\\| ${project}_app_az1 \\| ${az1} \\| ✅ Success, healthy .* \\| ✅ Success, healthy`
        )
      );
      expect(run.summary).toContain(
        `| ${project}_app_az3 | ${az3} | not reached (the rollout stopped earlier) | — (did not change) |`
      );
      expect(run.summary).toContain(`${OLD.backend} (v3, restored)`);
    } finally {
      await fleet.stop();
      await lb.stop();
    }
  }, 150_000);

  it('a first deploy (no earlier version): says so, restores nothing, leaves the server in the target group', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    const setup = await fleetOf(project, ['az1', 'az2'], [NEW]);
    const [az1, az2] = setup.ids as [string, string];
    const fleet = await startFleet(moto.endpoint, (id) => (id === az1 ? 'command-fails' : 'ok'));
    const lb = await startLoadBalancer({ healthyAfterMs: 0 });
    try {
      const run = await redeployWith(project, lb.url, fleet, setup, {
        'image-parameters': `${setup.names.backend}\n${setup.names.frontend}`
      });
      const message = run.errors[0] ?? '';
      expect(message.split('\n')[0]).toBe(
        `rollout-check failed: Not rolled back: the rollout failed on ${project}_app_az1 (${az1}). ` +
          `${setup.names.backend} and ${setup.names.frontend} have no earlier digest-pinned version ` +
          '(a first deploy): there is no previous image to roll back to, and nothing was rolled back.'
      );
      expect(message).toContain('ended with Failed');
      expect(message).toContain('The frontend did not answer on http://127.0.0.1:3000/readyz');
      expect(run.outputs['rolled-back']).toBe('false');
      expect(await value(setup.names.backend)).toEqual({ value: NEW.backend, version: 1 });
      expect(fleet.commands).toHaveLength(1);
      expect(await registered(setup.arn)).toEqual([az1, az2].sort());
      expect(run.summary).toContain('### Rollout check — ❌ failed, not rolled back');
      expect(run.summary).toContain('none (first deploy)');
    } finally {
      await fleet.stop();
      await lb.stop();
    }
  }, 150_000);

  it('a server that fails on the previous images too: says the rollback is incomplete, and it stays registered', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    const setup = await fleetOf(project, ['az1', 'az2'], [OLD, NEW]);
    const [az1, az2] = setup.ids as [string, string];
    const fleet = await startFleet(moto.endpoint, (id) => (id === az1 ? 'command-fails' : 'ok'));
    const lb = await startLoadBalancer({ healthyAfterMs: 0 });
    try {
      const run = await redeployWith(project, lb.url, fleet, setup, {
        'image-parameters': `${setup.names.backend}\n${setup.names.frontend}`
      });
      const message = run.errors[0] ?? '';
      expect(message.split('\n')[0]).toBe(
        `rollout-check failed: Rollback INCOMPLETE after the rollout failed on ${project}_app_az1 (${az1}); ` +
          `previous images: backendImage ${OLD.backend}, frontendImage ${OLD.frontend}.`
      );
      expect(message).toContain(
        `${project}_app_az1 (${az1}) is NOT healthy on the previous images`
      );
      expect(message).toContain('It stays registered');
      expect(run.outputs['rolled-back']).toBe('true');
      expect(await value(setup.names.backend)).toEqual({ value: OLD.backend, version: 3 });
      expect(fleet.commands.map((c) => c.instanceIds)).toEqual([[az1], [az1]]);
      expect(await registered(setup.arn)).toEqual([az1, az2].sort());
      expect(run.summary).toContain('### Rollout check — ❌ rollback INCOMPLETE');
    } finally {
      await fleet.stop();
      await lb.stop();
    }
  }, 150_000);

  it('SSM holding another image than this deploy built: refuses before touching a server', async () => {
    const project = `shop-${randomUUID().slice(0, 8)}`;
    const setup = await fleetOf(project, ['az1'], [OLD, NEW]);
    const fleet = await startFleet(moto.endpoint, () => 'ok');
    try {
      const run = await redeployWith(project, 'http://127.0.0.1:1', fleet, setup, {
        'image-parameters': `${setup.names.backend}=${OLD.backend}\n${setup.names.frontend}`
      });
      expect(run.errors[0]).toContain(
        `${setup.names.backend} holds ${NEW.backend}, not ${OLD.backend} (the image this deploy built)`
      );
      expect(run.errors[0]).toContain('No server was touched');
      expect(fleet.commands).toEqual([]);
      expect(await registered(setup.arn)).toEqual(setup.ids);
    } finally {
      await fleet.stop();
    }
  });

  it('image-parameters outside the project, an image not pinned by digest, no document: each fails naming the input before any AWS call', async () => {
    const calls: string[] = [];
    const recorder = createServer((req, res) => {
      calls.push(`${req.method} ${req.url}`);
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
    const aws = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
    const digestRef = `docker.io/acme/ecommerce-backend@${digest('a')}`;
    try {
      for (const [inputs, expected] of [
        [
          { 'image-parameters': '/other/deploy/backend_image' },
          'Input "image-parameters": "/other/deploy/backend_image" is not one of the project\'s image parameters (/shop/deploy/<name>_image'
        ],
        [
          { 'image-parameters': '/shop/app/django_secret_key' },
          'Input "image-parameters": "/shop/app/django_secret_key" is not one of the project\'s image parameters'
        ],
        [
          {
            'image-parameters': '/shop/deploy/backend_image=docker.io/acme/ecommerce-backend:latest'
          },
          'Input "image-parameters": the image for /shop/deploy/backend_image must be pinned by digest (<repository>@sha256:<64 hex>), got "docker.io/acme/ecommerce-backend:latest".'
        ],
        [
          {
            'image-parameters': `/shop/deploy/backend_image=${digestRef}\n/shop/deploy/backend_image`
          },
          'Input "image-parameters" names /shop/deploy/backend_image twice.'
        ],
        [
          { 'image-parameters': '/shop/deploy/backend_image', 'redeploy-document': '' },
          'Input "image-parameters" needs "redeploy-document"'
        ]
      ] as const) {
        const run = await runBundle('rollout-check', {
          inputs: {
            'tag-filters': 'Project=shop\nRole=app',
            'base-url': 'http://127.0.0.1:1',
            'redeploy-document': 'shop-deploy',
            ...inputs
          },
          env: {
            AWS_REGION: 'us-east-1',
            AWS_ACCESS_KEY_ID: 'testing',
            AWS_SECRET_ACCESS_KEY: 'testing',
            AWS_ENDPOINT_URL_EC2: aws,
            AWS_ENDPOINT_URL_SSM: aws,
            AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: aws
          }
        });
        expect(run.errors[0]).toContain(expected);
      }
      expect(calls).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => recorder.close(() => resolve()));
    }
  });
});
