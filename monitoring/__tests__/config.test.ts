/**
 * The Prometheus, Alertmanager and blackbox configurations, checked by the real tools from
 * Debian's packages (promtool, amtool, prometheus-blackbox-exporter), including the production
 * templates rendered the way Terraform's templatefile() renders them.
 */
import { describe, expect, test, beforeAll, afterAll } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { renderTemplatefile, templateVariables } from '../../tests/kit/templatefile.js';

const MONITORING = resolve(import.meta.dirname, '..');
const PROMETHEUS_DIR = join(MONITORING, 'prometheus');
const EC2_TEMPLATE = join(PROMETHEUS_DIR, 'prometheus.ec2.yml.tftpl');
const AM_TEMPLATE = join(MONITORING, 'alertmanager', 'alertmanager.ec2.yml.tftpl');

/** Runs a tool and returns its exit status and combined output. */
function run(
  command: string,
  args: string[],
  cwd = MONITORING
): { status: number; output: string } {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

interface ScrapeConfig {
  job_name: string;
  ec2_sd_configs?: {
    region: string;
    port: number;
    filters: { name: string; values: string[] }[];
  }[];
  file_sd_configs?: { files: string[] }[];
  static_configs?: unknown[];
  relabel_configs?: { source_labels?: string[]; target_label?: string; replacement?: string }[];
  metrics_path?: string;
}
interface RuleFile {
  groups: {
    name: string;
    rules: {
      alert?: string;
      expr: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'monitoring-config-'));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Renders the EC2 template into `dir` beside a copy of rules/, as the monitoring server has it. */
function renderEc2Config(dir: string): string {
  cpSync(join(PROMETHEUS_DIR, 'rules'), join(dir, 'rules'), { recursive: true });
  const rendered = renderTemplatefile(readFileSync(EC2_TEMPLATE, 'utf8'), {
    region: 'eu-west-1',
    project: 'ecommerce'
  });
  writeFileSync(join(dir, 'prometheus.yml'), rendered);
  return rendered;
}

describe('Prometheus configuration', () => {
  test('prometheus.local.yml passes promtool check config, with its rule files', () => {
    const { status, output } = run(
      'promtool',
      ['check', 'config', 'prometheus.local.yml'],
      PROMETHEUS_DIR
    );
    expect(output).toContain('SUCCESS: 4 rule files found');
    expect(status).toBe(0);
  });

  test('the EC2 template interpolates exactly the variables region and project', () => {
    expect(templateVariables(readFileSync(EC2_TEMPLATE, 'utf8')).sort()).toEqual([
      'project',
      'region'
    ]);
  });

  test('the EC2 template rendered as Terraform would passes promtool check config', () => {
    const dir = mkdtempSync(join(work, 'ec2-'));
    renderEc2Config(dir);
    const { status, output } = run('promtool', ['check', 'config', 'prometheus.yml'], dir);
    expect(output).toContain('is valid prometheus config file syntax');
    expect(status).toBe(0);
  });

  test('the EC2 config discovers running app servers by tag, labels each by Name and instance id and zone, and names no IP', () => {
    const rendered = renderEc2Config(mkdtempSync(join(work, 'ec2-')));
    // Loopback is the monitoring server's own Prometheus, Alertmanager and blackbox exporter.
    expect(rendered.replaceAll('127.0.0.1', '')).not.toMatch(/\b\d{1,3}(\.\d{1,3}){3}\b/);
    const config = parse(rendered) as { scrape_configs: ScrapeConfig[] };
    const jobs = new Map(config.scrape_configs.map((job) => [job.job_name, job]));
    for (const [job, port] of [
      ['node', 9100],
      ['backend', 8000]
    ] as const) {
      const scrape = jobs.get(job);
      const sd = scrape?.ec2_sd_configs?.[0];
      expect(sd).toMatchObject({ region: 'eu-west-1', port });
      expect(sd?.filters).toEqual(
        expect.arrayContaining([
          { name: 'tag:Project', values: ['ecommerce'] },
          { name: 'tag:Role', values: ['app'] },
          { name: 'instance-state-name', values: ['running'] }
        ])
      );
      // instance is "<Name>/<instance id>": a zone's Auto Scaling group names all its servers
      // alike, so the Name alone would make two servers one series (ec2-discovery.test.ts runs it).
      expect(scrape?.relabel_configs).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            source_labels: ['__meta_ec2_tag_Name', '__meta_ec2_instance_id'],
            separator: '/',
            target_label: 'instance'
          }),
          expect.objectContaining({
            source_labels: ['__meta_ec2_tag_Name'],
            target_label: 'name'
          }),
          expect.objectContaining({
            source_labels: ['__meta_ec2_availability_zone'],
            target_label: 'availability_zone'
          })
        ])
      );
    }
    expect(jobs.get('backend')?.metrics_path).toBe('/metrics');
  });

  test('the local (file discovery) config has the same jobs as the EC2 one', () => {
    const rendered = renderEc2Config(mkdtempSync(join(work, 'ec2-')));
    const ec2Jobs = (parse(rendered) as { scrape_configs: ScrapeConfig[] }).scrape_configs.map(
      (j) => j.job_name
    );
    const local = parse(readFileSync(join(PROMETHEUS_DIR, 'prometheus.local.yml'), 'utf8')) as {
      scrape_configs: ScrapeConfig[];
    };
    expect(local.scrape_configs.map((j) => j.job_name).sort()).toEqual([...ec2Jobs].sort());
    for (const job of local.scrape_configs) expect(job.file_sd_configs).toBeDefined();
  });
});

describe('alerting rules', () => {
  const ruleFiles = readdirSync(join(PROMETHEUS_DIR, 'rules')).filter((f) => f.endsWith('.yml'));
  const alerts = ruleFiles.flatMap((file) =>
    (parse(readFileSync(join(PROMETHEUS_DIR, 'rules', file), 'utf8')) as RuleFile).groups.flatMap(
      (g) => g.rules.filter((r) => r.alert).map((r) => ({ file, ...r }))
    )
  );

  test('promtool check rules passes for every rules file', () => {
    const { status, output } = run(
      'promtool',
      ['check', 'rules', ...ruleFiles.map((f) => `rules/${f}`)],
      PROMETHEUS_DIR
    );
    expect(output).not.toContain('FAILED');
    expect(status).toBe(0);
  });

  test('promtool test rules: each alert fires on the series that should fire it and stays quiet otherwise', () => {
    const tests = readdirSync(join(PROMETHEUS_DIR, 'tests')).filter((f) => f.endsWith('.yml'));
    const { status, output } = run(
      'promtool',
      ['test', 'rules', ...tests.map((f) => `tests/${f}`)],
      PROMETHEUS_DIR
    );
    expect(output).not.toContain('FAILED');
    expect(status).toBe(0);
  });

  test('the rules cover servers and targets down, CPU, memory, disk filling up, 5xx, latency and the load balancer', () => {
    expect(alerts.map((a) => a.alert).sort()).toEqual(
      expect.arrayContaining([
        'ServerDown', // a server down
        'TargetMissing', // a target missing
        'HighCpu',
        'MemoryPressure',
        'DiskFillingUp', // predicted
        'High5xxRatio',
        'HighLatencyP95',
        'LoadBalancerHealthFailing'
      ])
    );
    expect(alerts.find((a) => a.alert === 'DiskFillingUp')?.expr).toContain('predict_linear');
  });

  test('every alert has a severity a router understands, a summary, a description and a runbook hint', () => {
    for (const alert of alerts) {
      expect({ alert: alert.alert, severity: alert.labels?.severity }).toEqual({
        alert: alert.alert,
        severity: expect.stringMatching(/^(critical|warning)$/)
      });
      for (const key of ['summary', 'description', 'runbook']) {
        expect({ alert: alert.alert, key, value: alert.annotations?.[key] ?? '' }).toEqual({
          alert: alert.alert,
          key,
          value: expect.stringMatching(/\S{3,}/)
        });
      }
      // The runbook hint points at this alert's section of monitoring/README.md, which exists.
      expect(alert.annotations?.runbook).toContain(
        `monitoring/README.md#${alert.alert?.toLowerCase()}`
      );
    }
  });

  test('the README has a runbook section for every alert', () => {
    const readme = readFileSync(join(MONITORING, 'README.md'), 'utf8');
    for (const alert of alerts) expect(readme).toMatch(new RegExp(`^#{3,4} ${alert.alert}$`, 'm'));
  });

  test('every alert has a promtool test that expects it to fire', () => {
    const fired = new Set<string>();
    for (const file of readdirSync(join(PROMETHEUS_DIR, 'tests'))) {
      const doc = parse(readFileSync(join(PROMETHEUS_DIR, 'tests', file), 'utf8')) as {
        tests: { alert_rule_test?: { alertname: string; exp_alerts: unknown[] }[] }[];
      };
      for (const t of doc.tests) {
        for (const a of t.alert_rule_test ?? [])
          if (a.exp_alerts.length > 0) fired.add(a.alertname);
      }
    }
    expect(alerts.map((a) => a.alert).filter((name) => !fired.has(name as string))).toEqual([]);
  });
});

describe('Alertmanager and blackbox exporter configuration', () => {
  test('alertmanager.local.yml passes amtool check-config', () => {
    const { status, output } = run('amtool', [
      'check-config',
      'alertmanager/alertmanager.local.yml'
    ]);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
  });

  test('the EC2 Alertmanager template uses region and sns_topic_arn, and rendered passes amtool check-config', () => {
    const template = readFileSync(AM_TEMPLATE, 'utf8');
    expect(templateVariables(template).sort()).toEqual(['region', 'sns_topic_arn']);
    const file = join(work, 'alertmanager.yml');
    writeFileSync(
      file,
      renderTemplatefile(template, {
        region: 'eu-west-1',
        sns_topic_arn: 'arn:aws:sns:eu-west-1:123456789012:ecommerce-alerts'
      })
    );
    const { status, output } = run('amtool', ['check-config', file]);
    expect(output).toContain('SUCCESS');
    expect(status).toBe(0);
    const config = parse(readFileSync(file, 'utf8')) as {
      receivers: { sns_configs?: { topic_arn: string; sigv4: { region: string } }[] }[];
    };
    expect(config.receivers[0]?.sns_configs?.[0]).toMatchObject({
      topic_arn: 'arn:aws:sns:eu-west-1:123456789012:ecommerce-alerts',
      sigv4: { region: 'eu-west-1' }
    });
  });

  test("a broken Alertmanager config gets amtool's error", () => {
    const file = join(work, 'broken-alertmanager.yml');
    writeFileSync(file, 'route:\n  receiver: nobody\nreceivers: []\n');
    const { status, output } = run('amtool', ['check-config', file]);
    expect(status).not.toBe(0);
    expect(output).toMatch(/undefined receiver "nobody"/);
  });

  test("blackbox/blackbox.yml passes the exporter's own --config.check", () => {
    const { status, output } = run('prometheus-blackbox-exporter', [
      '--config.file',
      join(MONITORING, 'blackbox', 'blackbox.yml'),
      '--config.check'
    ]);
    expect(output).toContain('Config file is ok');
    expect(status).toBe(0);
  });
});
