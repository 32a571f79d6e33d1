import { loadModule, str, type Block, type ModuleConfig } from './hcl.js';

/**
 * The security-group graph of the root configuration, across its modules: which source may
 * reach which group on which port. Expressions are resolved through module calls and outputs
 * (var.x in a module → the root's argument → module.y.output → the resource behind it).
 */

/** The group each module's security group plays. */
export const GROUP_ROLES: Record<string, string> = {
  'modules/vpc/aws_security_group.app': 'app',
  'modules/load/aws_security_group.this': 'alb',
  'modules/ec2/aws_security_group.bastion': 'bastion',
  'modules/rds/aws_security_group.this': 'rds',
  'modules/monitoring/aws_security_group.this': 'monitoring'
};

/** One rule: `app 3000 from sg:alb` (ingress) or `app 5432 to sg:rds` (egress). */
export interface Rule {
  direction: 'ingress' | 'egress';
  group: string;
  port: string;
  peer: string;
  description: string | undefined;
  where: string;
}

interface Context {
  dir: string;
}

async function moduleCalls(): Promise<Map<string, { dir: string; body: Block['body'] }>> {
  const root = await loadModule('.');
  const calls = new Map<string, { dir: string; body: Block['body'] }>();
  for (const call of root.blocks.filter((b) => b.kind === 'module')) {
    const source = str(call.body, 'source') ?? '';
    calls.set(call.name, { dir: source.replace(/^\.\//, ''), body: call.body });
  }
  return calls;
}

async function resolve(
  ctx: Context,
  value: unknown,
  calls: Awaited<ReturnType<typeof moduleCalls>>
): Promise<string> {
  if (Array.isArray(value) && value.length === 1) return resolve(ctx, value[0], calls);
  if (typeof value !== 'string') return `unresolved:${JSON.stringify(value)}`;
  if (!value.includes('${')) return value === '0.0.0.0/0' ? 'internet' : `cidr:${value}`;
  let match = /^\$\{aws_security_group\.(\w+)(?:\[0\])?\.id\}$/.exec(value);
  if (match) {
    const key = `${ctx.dir}/aws_security_group.${match[1]}`;
    return `sg:${GROUP_ROLES[key] ?? key}`;
  }
  match = /^\$\{(?:try\()?module\.(\w+)(?:\[0\])?\.(\w+)(?:, null\))?\}$/.exec(value);
  if (match && ctx.dir === '.') {
    const call = calls.get(match[1] ?? '');
    if (!call) return `unresolved:${value}`;
    const config = await loadModule(call.dir);
    const output = config.blocks.find((b) => b.kind === 'output' && b.name === match?.[2]);
    return output ? resolve({ dir: call.dir }, output.body.value, calls) : `unresolved:${value}`;
  }
  match = /^\$\{var\.(\w+)\}$/.exec(value);
  if (match) {
    if (ctx.dir === '.') return `var:${match[1]}`;
    const call = [...calls.values()].find((c) => c.dir === ctx.dir);
    if (!call) return `unresolved:${value}`;
    return resolve({ dir: '.' }, call.body[match[1] ?? ''], calls);
  }
  return `unresolved:${value}`;
}

/** A rule's peer: another group, a CIDR, or the CIDRs of a variable (through for_each). */
async function peerOf(
  ctx: Context,
  rule: Block,
  calls: Awaited<ReturnType<typeof moduleCalls>>
): Promise<string> {
  const referenced = rule.body.referenced_security_group_id;
  if (referenced !== undefined) return resolve(ctx, referenced, calls);
  const cidr = str(rule.body, 'cidr_ipv4') ?? str(rule.body, 'cidr_ipv6');
  if (cidr === '${each.value}') {
    const forEach = str(rule.body, 'for_each') ?? '';
    const variable = /toset\(var\.(\w+)\)/.exec(forEach)?.[1];
    return variable ? resolve(ctx, `\${var.${variable}}`, calls) : `unresolved:${forEach}`;
  }
  return resolve(ctx, cidr, calls);
}

/** Every ingress and egress rule of the root configuration's modules. */
export async function securityRules(modules: readonly string[]): Promise<Rule[]> {
  const calls = await moduleCalls();
  const rules: Rule[] = [];
  const configs: ModuleConfig[] = [
    await loadModule('.'),
    ...(await Promise.all(modules.map((dir) => loadModule(dir))))
  ];
  for (const config of configs) {
    for (const rule of config.blocks.filter(
      (b) => b.kind === 'resource' && /^aws_vpc_security_group_(ingress|egress)_rule$/.test(b.type)
    )) {
      const ctx = { dir: config.dir };
      const direction = rule.type.includes('ingress') ? 'ingress' : 'egress';
      const group = (await resolve(ctx, rule.body.security_group_id, calls)).replace(/^sg:/, '');
      const from = rule.body.from_port;
      const to = rule.body.to_port;
      rules.push({
        direction,
        group,
        port: from === to ? String(from) : `${String(from)}-${String(to)}`,
        peer: await peerOf(ctx, rule, calls),
        description: str(rule.body, 'description'),
        where: `${rule.file}: ${rule.type}.${rule.name}`
      });
    }
  }
  return rules;
}

/** `app 3000 from sg:alb` / `app 5432 to sg:rds`. */
export function describeRule(rule: Rule): string {
  return `${rule.group} ${rule.port} ${rule.direction === 'ingress' ? 'from' : 'to'} ${rule.peer}`;
}
