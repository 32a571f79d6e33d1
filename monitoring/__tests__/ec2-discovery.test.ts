/**
 * The production Prometheus configuration's EC2 discovery, run for real: the template
 * (prometheus/prometheus.ec2.yml.tftpl) rendered as Terraform renders it, loaded by Debian's
 * Prometheus, asking moto's EC2 API (moto in server mode on loopback) for the app servers.
 * Instances are tagged the way terraform/modules/ec2's Auto Scaling groups tag them (Project,
 * Role, Name `<project>_app_<zone key>`, the same for every server of a zone: az1 runs two, as
 * when it has scaled out or during an instance refresh); others that must not be found sit
 * beside them. The only change to
 * the rendered file is where the EC2 API is and which dummy keys sign the calls: on the
 * monitoring server the region's real endpoint and the instance role provide those.
 *
 * Nothing listens on the discovered addresses, so every scrape fails: expected, the test is
 * about which targets discovery finds and the labels relabelling gives them.
 */
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  EC2Client,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  waitUntilInstanceStopped,
  type Tag
} from '@aws-sdk/client-ec2';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { startMoto, type MotoServer } from '../../tests/kit/stand-ins/moto.js';
import { activeTargets, instantQuery, type PromTarget } from '../preview/prometheus-api.js';
import { freePort, startProcess, waitFor, type RunningProcess } from '../../tests/kit/processes.js';
import { renderTemplatefile } from '../../tests/kit/templatefile.js';
import { TEST_INTERVAL_SECONDS, withInterval } from './support/stack.js';

const MONITORING = resolve(import.meta.dirname, '..');
const EC2_TEMPLATE = join(MONITORING, 'prometheus', 'prometheus.ec2.yml.tftpl');
const REGION = 'eu-west-1';
const PROJECT = 'ecommerce';
/** The jobs that discover app servers through EC2, and the port each scrapes. */
const EC2_JOBS = { node: 9100, backend: 8000 } as const;
type Ec2Job = keyof typeof EC2_JOBS;

/** /api/v1/targets also reports the labels a target had before relabelling. */
type Target = PromTarget & { discoveredLabels: Record<string, string> };

interface Server {
  name: string;
  id: string;
  zone: string;
  privateIp: string;
}

let work: string;
let moto: MotoServer | undefined;
let ec2: EC2Client | undefined;
let prometheus: RunningProcess | undefined;
let prometheusUrl: string;
/** The app servers discovery must find, by instance id. */
const appServers = new Map<string, Server>();
/** Instances that exist in moto but must not be found (id -> why). */
const notAppServers = new Map<string, string>();

function missingPrerequisites(): string | undefined {
  for (const tool of ['prometheus', 'promtool']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} is missing (scripts/suites/70-monitoring.sh installs Debian's prometheus)`;
  }
  return undefined;
}

/** Launches one instance in `zone` with `tags` (as the Terraform ec2 module sets them). */
async function launch(client: EC2Client, zone: string, tags: Tag[]): Promise<Server> {
  const result = await client.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.small',
      MinCount: 1,
      MaxCount: 1,
      Placement: { AvailabilityZone: zone },
      ...(tags.length > 0 ? { TagSpecifications: [{ ResourceType: 'instance', Tags: tags }] } : {})
    })
  );
  const instance = result.Instances?.[0];
  if (!instance?.InstanceId || !instance.PrivateIpAddress)
    throw new Error(`moto returned no instance id or private IP: ${JSON.stringify(result)}`);
  return {
    name: tags.find((t) => t.Key === 'Name')?.Value ?? '',
    id: instance.InstanceId,
    zone: instance.Placement?.AvailabilityZone ?? '',
    privateIp: instance.PrivateIpAddress
  };
}

/** The tags terraform/modules/ec2 puts on an app server: the root's Project, Role, Name. */
function appTags(project: string, zoneKey: string, role = 'app'): Tag[] {
  return [
    { Key: 'Project', Value: project },
    { Key: 'Role', Value: role },
    { Key: 'Name', Value: `${project}_${role}_${zoneKey}` }
  ];
}

/**
 * The template rendered as Terraform renders it, with each ec2_sd_config pointed at moto
 * (`endpoint`, dummy keys, a short refresh) and the tests' short scrape interval. Rule files and the Alertmanager are left out: no
 * rule is needed here, and alerts must not reach whatever listens on 127.0.0.1:9093.
 */
function discoveryConfig(endpoint: string): string {
  const rendered = renderTemplatefile(readFileSync(EC2_TEMPLATE, 'utf8'), {
    region: REGION,
    project: PROJECT
  });
  const config = parse(rendered) as {
    rule_files?: unknown;
    alerting?: unknown;
    scrape_configs: { job_name: string; ec2_sd_configs?: Record<string, unknown>[] }[];
  };
  delete config.rule_files;
  delete config.alerting;
  let pointed = 0;
  for (const job of config.scrape_configs) {
    for (const sd of job.ec2_sd_configs ?? []) {
      Object.assign(sd, {
        endpoint,
        access_key: 'testing',
        secret_key: 'testing',
        refresh_interval: '2s'
      });
      pointed++;
    }
  }
  if (pointed === 0)
    throw new Error('the rendered template has no ec2_sd_configs to point at moto');
  return withInterval(stringify(config), TEST_INTERVAL_SECONDS);
}

async function targetsOf(job: Ec2Job): Promise<Target[]> {
  return ((await activeTargets(prometheusUrl)) as Target[]).filter((t) => t.scrapePool === job);
}

/** Waits until each EC2 job's targets carry exactly `ids` as instance_id (order aside). */
async function waitForDiscovered(ids: string[]): Promise<void> {
  const want = [...ids].sort().join(',');
  await waitFor(
    `node and backend to discover exactly ${want}`,
    async () => {
      for (const job of Object.keys(EC2_JOBS) as Ec2Job[]) {
        const got = (await targetsOf(job)).map((t) => t.labels.instance_id).sort();
        if (got.join(',') !== want) return undefined;
      }
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 500, process: prometheus }
  );
}

beforeAll(async () => {
  const missing = missingPrerequisites();
  if (missing) throw new Error(`cannot run EC2 discovery: ${missing}`);
  work = mkdtempSync(join(tmpdir(), 'monitoring-ec2-sd-'));
  moto = await startMoto();
  ec2 = new EC2Client({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }
  });

  // The app servers, named as the ec2 module's groups name them (..._az1/_az2): two in az1 (a
  // group scaled out, or old and new side by side in an instance refresh), one in az2.
  for (const [zoneKey, zone] of [
    ['az1', `${REGION}a`],
    ['az1', `${REGION}a`],
    ['az2', `${REGION}b`]
  ] as const) {
    const server = await launch(ec2, zone, appTags(PROJECT, zoneKey));
    appServers.set(server.id, server);
  }
  // Neighbours that must stay out: a bastion of the same project (Role=bastion), another
  // project's app server, an instance with no tags, and one of our app servers that is stopped.
  const bastion = await launch(ec2, `${REGION}a`, appTags(PROJECT, 'az1', 'bastion'));
  notAppServers.set(bastion.id, 'Role=bastion');
  const other = await launch(ec2, `${REGION}b`, appTags('othershop', 'az2'));
  notAppServers.set(other.id, 'Project=othershop');
  const untagged = await launch(ec2, `${REGION}a`, []);
  notAppServers.set(untagged.id, 'no tags');
  const stopped = await launch(ec2, `${REGION}b`, appTags(PROJECT, 'az3'));
  await ec2.send(new StopInstancesCommand({ InstanceIds: [stopped.id] }));
  await waitUntilInstanceStopped(
    { client: ec2, maxWaitTime: 30, minDelay: 1, maxDelay: 2 },
    { InstanceIds: [stopped.id] }
  );
  notAppServers.set(stopped.id, 'stopped');
  // Our tags in another region: the template's region is the one asked.
  const elsewhere = new EC2Client({
    region: 'us-east-1',
    endpoint: moto.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' }
  });
  try {
    const far = await launch(elsewhere, 'us-east-1a', appTags(PROJECT, 'az1'));
    notAppServers.set(far.id, 'region us-east-1');
  } finally {
    elsewhere.destroy();
  }

  const configFile = join(work, 'prometheus.yml');
  writeFileSync(configFile, discoveryConfig(moto.endpoint));
  // The same check the monitoring suite applies to the unmodified template: Debian's promtool
  // must accept the endpoint/key fields, or the test would prove nothing about this version.
  execFileSync('promtool', ['check', 'config', configFile], { stdio: 'pipe', timeout: 30_000 });

  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = startProcess(
    'prometheus',
    'prometheus',
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(work, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`
    ],
    { cwd: work, logFile: join(work, 'prometheus.log') }
  );
  // One DescribeInstances answer carries every match, so the first non-empty discovery of each
  // job is its whole answer; the tests below say what is wrong with it, if anything.
  await waitFor(
    'node and backend to discover their first targets',
    async () => {
      for (const job of Object.keys(EC2_JOBS) as Ec2Job[])
        if ((await targetsOf(job)).length === 0) return undefined;
      return true;
    },
    { timeoutMs: 30_000, intervalMs: 500, process: prometheus }
  );
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  ec2?.destroy();
  await moto?.stop();
  if (work && !process.env.MONITORING_KEEP_STACK_DIR)
    rmSync(work, { recursive: true, force: true });
}, 30_000);

describe('EC2 discovery of the app servers (prometheus.ec2.yml.tftpl against moto)', () => {
  test.each(Object.entries(EC2_JOBS) as [Ec2Job, number][])(
    'job %s finds exactly the running Project=ecommerce Role=app servers, each its own instance, named and zoned',
    async (job, port) => {
      const targets = await targetsOf(job);
      expect(targets).toHaveLength(appServers.size);
      // Two servers share az1's Name: the instance label still tells all three apart.
      const byInstance = new Map(targets.map((t) => [t.labels.instance, t]));
      expect([...byInstance.keys()].sort()).toEqual(
        [...appServers.values()].map((s) => `${s.name}/${s.id}`).sort()
      );
      for (const server of appServers.values()) {
        const target = byInstance.get(`${server.name}/${server.id}`);
        // The labels the dashboards (server variable over `instance`), the rules and
        // Alertmanager (grouping and inhibiting by `instance`) use: from the tags, the id and
        // the placement, not an address.
        expect(target?.labels).toMatchObject({
          job,
          instance: `${server.name}/${server.id}`,
          name: server.name,
          availability_zone: server.zone,
          instance_id: server.id
        });
        // __address__ is what EC2 discovery makes of the instance: moto's private IP for it
        // (moto picks a 10.x address) and the port the job names. Nothing listens there,
        // so the scrape fails; that is expected.
        expect(target?.discoveredLabels.__address__).toBe(`${server.privateIp}:${port}`);
        expect(target?.scrapeUrl).toBe(`http://${server.privateIp}:${port}/metrics`);
        expect(Object.values(target?.labels ?? {})).not.toContain(server.privateIp);
      }
      expect(targets.filter((t) => t.labels.name === 'ecommerce_app_az1')).toHaveLength(2);
      expect(new Set(targets.map((t) => t.labels.availability_zone))).toEqual(
        new Set([`${REGION}a`, `${REGION}b`])
      );
    }
  );

  test('each server is its own series: up has one series per server and job', async () => {
    const want = [...appServers.values()].map((s) => `${s.name}/${s.id}`).sort();
    const series = await waitFor(
      'a scrape of every target',
      async () => {
        const up = await instantQuery(prometheusUrl, 'up{job=~"node|backend"}');
        return up.length === want.length * 2 ? up : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 500, process: prometheus }
    );
    for (const job of Object.keys(EC2_JOBS))
      expect(
        series
          .filter((s) => s.metric.job === job)
          .map((s) => s.metric.instance)
          .sort()
      ).toEqual(want);
  });

  test('the bastion, the other project, the untagged, the stopped and the other region are absent', async () => {
    const all = (await activeTargets(prometheusUrl)) as Target[];
    const found = new Set(all.map((t) => t.discoveredLabels.__meta_ec2_instance_id));
    const wrongly = [...notAppServers].filter(([id]) => found.has(id)).map(([, why]) => why);
    expect(wrongly).toEqual([]);
    // Only node and backend discover through EC2.
    expect(
      [
        ...new Set(
          all.filter((t) => t.discoveredLabels.__meta_ec2_instance_id).map((t) => t.scrapePool)
        )
      ].sort()
    ).toEqual(['backend', 'node']);
  });

  test('a server replaced in an instance refresh: the terminated one leaves discovery and its series end, the new one is found by itself', async () => {
    if (!ec2) throw new Error('no EC2 client');
    const old = [...appServers.values()].find((s) => s.name === 'ecommerce_app_az1');
    if (!old) throw new Error('no ecommerce_app_az1 server was launched');
    const oldInstance = `${old.name}/${old.id}`;
    // Launch before terminate, as the refresh does: for a while both are there, then the old
    // one is terminated.
    const replacement = await launch(ec2, old.zone, appTags(PROJECT, 'az1'));
    appServers.set(replacement.id, replacement);
    await waitForDiscovered([...appServers.keys()]);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [old.id] }));
    appServers.delete(old.id);
    await waitForDiscovered([...appServers.keys()]);
    for (const job of Object.keys(EC2_JOBS) as Ec2Job[]) {
      const targets = await targetsOf(job);
      expect(targets.map((t) => t.labels.instance)).not.toContain(oldInstance);
      const target = targets.find((t) => t.labels.instance_id === replacement.id);
      expect(target?.labels).toMatchObject({
        instance: `${replacement.name}/${replacement.id}`,
        name: 'ecommerce_app_az1',
        availability_zone: old.zone
      });
      expect(target?.discoveredLabels.__address__).toBe(
        `${replacement.privateIp}:${EC2_JOBS[job]}`
      );
    }
    // Prometheus ends a removed target's series with a staleness marker: the terminated
    // server's `up` is not 0, it is gone, so ServerDown (up == 0) has nothing to match; the
    // new server's series is there.
    await waitFor(
      `the terminated server's up series to end and the new one's to start`,
      async () => {
        const up = await instantQuery(prometheusUrl, 'up{job=~"node|backend"}');
        const instances = up.map((s) => s.metric.instance);
        return !instances.includes(oldInstance) &&
          instances.filter((i) => i === `${replacement.name}/${replacement.id}`).length === 2
          ? true
          : undefined;
      },
      // The markers come two scrape intervals after the target left, in case it returns.
      { timeoutMs: 60_000, intervalMs: 500, process: prometheus }
    );
    expect(await instantQuery(prometheusUrl, `up{instance="${oldInstance}"} == 0`)).toEqual([]);
  }, 90_000);
});
