import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { terraformAvailable } from '../../tests/kit/templatefile.js';
import {
  TERRAFORM_DIR,
  block,
  bodies,
  loadModule,
  str,
  type Body,
  type ModuleConfig
} from './support/hcl.js';
import {
  consoleValues,
  hclBlock,
  planVariables,
  providerFreeRoot
} from './support/provider-free.js';

// TLS (README.md, "TLS"): the root's domain_name/certificate_arn validations, evaluated by a real
// terraform on a provider-free copy of those variable blocks; and the load module's listeners,
// whose count, redirect and URL expressions are evaluated by `terraform console` with and
// without a certificate. Without terraform on PATH these tests are skipped, saying so.

const hasTerraform = terraformAvailable();
const withTerraform = hasTerraform ? it : it.skip;
if (!hasTerraform)
  process.stderr.write(
    'terraform is not on PATH: skipping the TLS validation and listener tests\n'
  );

const ARN = 'arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b';
const DOMAIN = 'shop.example.com';

/** The first body of a nested block, which must exist. */
function first(list: Body[]): Body {
  const [body] = list;
  if (!body) throw new Error('missing nested block');
  return body;
}

describe('the root refuses a bad domain or certificate before anything changes', () => {
  let root = '';

  beforeAll(() => {
    if (!hasTerraform) return;
    const text = readFileSync(path.join(TERRAFORM_DIR, 'variables.tf'), 'utf8');
    const names = ['region', 'vpc_cidr', 'domain_name', 'certificate_arn'];
    root = providerFreeRoot(names.map((name) => hclBlock(text, `variable "${name}"`)).join('\n\n'));
  });
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  /** `terraform plan` of the variables alone: what validation says, on one line. */
  const plan = (vars: Record<string, string>) => planVariables(root, vars);

  withTerraform(
    'neither (HTTP only), or both in the load balancer’s region, in any partition',
    () => {
      expect(plan({})).toMatchObject({ ok: true });
      expect(plan({ domain_name: DOMAIN, certificate_arn: ARN })).toMatchObject({ ok: true });
      expect(
        plan({
          region: 'cn-north-1',
          domain_name: 'shop.example.cn',
          certificate_arn: 'arn:aws-cn:acm:cn-north-1:123456789012:certificate/abc-123'
        })
      ).toMatchObject({ ok: true });
    }
  );

  withTerraform('a certificate from another region is refused, naming both regions', () => {
    const result = plan({
      domain_name: DOMAIN,
      certificate_arn: ARN.replace('us-east-1', 'eu-west-1')
    });
    expect(result.ok).toBe(false);
    expect(result.message).toContain(
      'certificate_arn is a certificate in eu-west-1, but the load balancer is in us-east-1: an ALB can only use an ACM certificate from its own region'
    );
  });

  withTerraform('one of the pair without the other is refused, saying which is missing', () => {
    const certOnly = plan({ certificate_arn: ARN });
    expect(certOnly.ok).toBe(false);
    expect(certOnly.message).toContain('certificate_arn is set but domain_name is not: set both');
    const domainOnly = plan({ domain_name: DOMAIN });
    expect(domainOnly.ok).toBe(false);
    expect(domainOnly.message).toContain('domain_name is set but certificate_arn is not: set both');
  });

  withTerraform.each([
    ['https://shop.example.com', 'domain_name is a host name, not a URL'],
    ['shop.example.com/store', 'domain_name is a host name: no path'],
    ['*.example.com', 'not a wildcard'],
    ['Shop.Example.com', 'must be a lower-case DNS host name'],
    ['localhost', 'must be a lower-case DNS host name']
  ])('domain_name %s is refused (%s)', (domain, expected) => {
    const result = plan({ domain_name: domain, certificate_arn: ARN });
    expect(result.ok).toBe(false);
    expect(result.message).toContain(expected);
  });

  withTerraform('an ARN that is not an ACM certificate is refused', () => {
    const result = plan({
      domain_name: DOMAIN,
      certificate_arn: 'arn:aws:iam::123456789012:server-certificate/shop'
    });
    expect(result.ok).toBe(false);
    expect(result.message).toContain('certificate_arn must be an ACM certificate ARN');
  });

  withTerraform(
    'a VPC outside the private ranges is refused (the proxies trust forwarded headers only there)',
    () => {
      const result = plan({ vpc_cidr: '100.64.0.0/16' });
      expect(result.ok).toBe(false);
      expect(result.message).toContain('vpc_cidr must lie in a private range');
    }
  );
});

describe('the load balancer listens on 443 and redirects 80 only with a certificate', () => {
  let load: ModuleConfig;
  let root: ModuleConfig;
  let console = '';

  beforeAll(async () => {
    load = await loadModule('modules/load');
    root = await loadModule('.');
    if (!hasTerraform) return;
    const variables = readFileSync(path.join(TERRAFORM_DIR, 'modules/load/variables.tf'), 'utf8');
    const main = readFileSync(path.join(TERRAFORM_DIR, 'modules/load/main.tf'), 'utf8');
    console = providerFreeRoot(
      [
        hclBlock(variables, 'variable "certificate_arn"'),
        hclBlock(variables, 'variable "domain_name"'),
        hclBlock(main, 'locals')
      ].join('\n\n')
    );
  });
  afterAll(() => {
    if (console) rmSync(console, { recursive: true, force: true });
  });

  const resource = (type: string, name: string): Body => block(load, 'resource', type, name).body;
  const redirectOf = (listener: Body): Body =>
    first(bodies(first(bodies(first(bodies(listener.default_action)).dynamic)).redirect));

  /** The module's own expressions, evaluated by `terraform console` with these variables. */
  function evaluate(expressions: string[], vars: Record<string, string>): unknown[] {
    // Resources do not exist here: their attributes become fixed strings.
    const input = expressions
      .map((e) => e.replace(/^\$\{([\s\S]*)\}$/, '$1'))
      .map((e) =>
        e
          .replace(/aws_lb\.this\.dns_name/g, '"alb.example"')
          .replace(/aws_lb_target_group\.this\.arn/g, '"tg"')
      )
      .join(', ');
    return consoleValues(console, [input], vars);
  }

  function listeners(vars: Record<string, string>) {
    const http = resource('aws_lb_listener', 'http');
    const [httpsCount, ingress443Count, httpType, httpTarget, redirects, url] = evaluate(
      [
        str(resource('aws_lb_listener', 'https'), 'count') ?? '1',
        str(resource('aws_vpc_security_group_ingress_rule', 'https'), 'count') ?? '1',
        str(first(bodies(http.default_action)), 'type') ?? '',
        str(first(bodies(http.default_action)), 'target_group_arn') ?? '',
        str(redirectOf(http), 'for_each') ?? '',
        str(block(load, 'output', '', 'url').body, 'value') ?? ''
      ],
      vars
    );
    return { httpsCount, ingress443Count, httpType, httpTarget, redirects, url };
  }

  withTerraform(
    'without a certificate: no 443 listener or rule, port 80 forwards, the URL is http://',
    () => {
      expect(listeners({})).toEqual({
        httpsCount: 0,
        ingress443Count: 0,
        httpType: 'forward',
        httpTarget: 'tg',
        redirects: [],
        url: 'http://alb.example'
      });
    }
  );

  withTerraform(
    'with one: a 443 listener and rule, port 80 only redirects, the URL is https://<domain>',
    () => {
      expect(listeners({ certificate_arn: ARN, domain_name: DOMAIN })).toEqual({
        httpsCount: 1,
        ingress443Count: 1,
        httpType: 'redirect',
        httpTarget: null,
        redirects: [1],
        url: `https://${DOMAIN}`
      });
    }
  );

  it('the redirect is a 301 to HTTPS on 443; the HTTPS listener uses the certificate and a TLS 1.3/1.2 policy', () => {
    const redirect = first(bodies(redirectOf(resource('aws_lb_listener', 'http')).content));
    expect(redirect).toEqual({ port: '443', protocol: 'HTTPS', status_code: 'HTTP_301' });
    const https = resource('aws_lb_listener', 'https');
    expect([https.port, https.protocol, https.certificate_arn, https.ssl_policy]).toEqual([
      443,
      'HTTPS',
      '${var.certificate_arn}',
      '${var.ssl_policy}'
    ]);
    expect(block(load, 'variable', '', 'ssl_policy').body.default).toBe(
      'ELBSecurityPolicy-TLS13-1-2-2021-06'
    );
  });

  it('the root passes both to the load module, and tells the servers (allowed hosts, DJANGO_HTTPS)', () => {
    const call = block(root, 'module', '', 'load').body;
    expect([call.certificate_arn, call.domain_name]).toEqual([
      '${var.certificate_arn}',
      '${var.domain_name}'
    ]);
    expect(
      str(block(root, 'resource', 'aws_ssm_parameter', 'allowed_hosts').body, 'value')
    ).toContain('var.domain_name');
    const settings =
      str(block(root, 'resource', 'aws_ssm_parameter', 'backend_settings').body, 'value') ?? '';
    expect(settings).toContain('DJANGO_HTTPS');
    expect(settings).toContain('var.certificate_arn == null ? "false" : "true"');
    expect(block(root, 'output', '', 'tls_enabled').body.value).toBe(
      '${var.certificate_arn != null}'
    );
  });
});
