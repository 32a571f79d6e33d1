/**
 * IAM's policy evaluation logic for the parts this repository's policies use, so tests can ask
 * "may this role do X to Y?" of the exact JSON Terraform renders. Written here because no
 * offline evaluator exists for Node (moto evaluates neither conditions on identity policies nor
 * web-identity trust policies; parliament and cloudsplaining lint, they do not answer requests).
 *
 * Follows AWS's documented logic: an explicit Deny anywhere wins; otherwise an Allow is needed
 * in the identity policies and, when the role has one, in its permissions boundary. Action names
 * and condition keys match case-insensitively, resources case-sensitively, `*` and `?` as
 * wildcards. A condition operator this evaluator does not know throws instead of guessing.
 */

export type Values = string | string[] | boolean;

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: '*' | Record<string, string | string[]>;
  Condition?: Record<string, Record<string, Values>>;
}

export interface PolicyDocument {
  Version: string;
  Statement: Statement | Statement[];
}

export interface Request {
  action: string;
  resource: string;
  /** Condition keys of the request (e.g. iam:PermissionsBoundary); a missing key is absent. */
  context?: Record<string, string | string[] | undefined>;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';

const list = <T>(value: T | T[] | undefined): T[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

function wildcard(pattern: string, flags = ''): RegExp {
  const body = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}

export function actionMatches(pattern: string, action: string): boolean {
  return wildcard(pattern, 'i').test(action);
}

export function resourceMatches(pattern: string, resource: string): boolean {
  return wildcard(pattern).test(resource);
}

function contextValues(request: Request, key: string): string[] | undefined {
  const entry = Object.entries(request.context ?? {}).find(
    ([name]) => name.toLowerCase() === key.toLowerCase()
  );
  if (!entry || entry[1] === undefined) return undefined;
  return list(entry[1]);
}

type Compare = (expected: string, actual: string) => boolean;

const comparisons: Record<string, Compare> = {
  StringEquals: (e, a) => e === a,
  StringLike: (e, a) => wildcard(e).test(a),
  StringEqualsIgnoreCase: (e, a) => e.toLowerCase() === a.toLowerCase(),
  ArnEquals: (e, a) => wildcard(e).test(a),
  ArnLike: (e, a) => wildcard(e).test(a),
  Bool: (e, a) => e.toLowerCase() === a.toLowerCase()
};

const negations: Record<string, string> = {
  StringNotEquals: 'StringEquals',
  StringNotLike: 'StringLike',
  ArnNotEquals: 'ArnEquals',
  ArnNotLike: 'ArnLike'
};

/** One operator block of a Condition: every key must hold (AND), any value of a key may (OR). */
function operatorHolds(operator: string, keys: Record<string, Values>, request: Request): boolean {
  const [qualifier, bare] = operator.includes(':') ? operator.split(':', 2) : [undefined, operator];
  const ifExists = bare.endsWith('IfExists');
  const name = ifExists ? bare.slice(0, -'IfExists'.length) : bare;
  return Object.entries(keys).every(([key, raw]) => {
    const expected = list(raw).map(String);
    const actual = contextValues(request, key);
    if (name === 'Null') {
      const wantsAbsent = expected[0] === 'true';
      return wantsAbsent ? actual === undefined : actual !== undefined;
    }
    if (actual === undefined && ifExists) return true;
    const positive = negations[name];
    const compare = comparisons[positive ?? name];
    if (!compare)
      throw new Error(`condition operator ${operator} is not supported by this evaluator`);
    if (positive) {
      // Negated operators hold when the key is absent, and when no value matches.
      if (actual === undefined) return true;
      return actual.every((value) => !expected.some((e) => compare(e, value)));
    }
    if (actual === undefined) return false;
    if (qualifier === 'ForAllValues')
      return actual.every((value) => expected.some((e) => compare(e, value)));
    if (qualifier === 'ForAnyValue' || qualifier === undefined) {
      return actual.some((value) => expected.some((e) => compare(e, value)));
    }
    throw new Error(`condition qualifier ${qualifier} is not supported by this evaluator`);
  });
}

export function statementApplies(statement: Statement, request: Request): boolean {
  const actionHit = statement.NotAction
    ? !list(statement.NotAction).some((p) => actionMatches(p, request.action))
    : list(statement.Action).some((p) => actionMatches(p, request.action));
  if (!actionHit) return false;
  if (statement.Resource !== undefined || statement.NotResource !== undefined) {
    const resourceHit = statement.NotResource
      ? !list(statement.NotResource).some((p) => resourceMatches(p, request.resource))
      : list(statement.Resource).some((p) => resourceMatches(p, request.resource));
    if (!resourceHit) return false;
  }
  return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
    operatorHolds(operator, keys, request)
  );
}

function decide(documents: PolicyDocument[], request: Request): Decision {
  const statements = documents.flatMap((d) => list(d.Statement));
  if (statements.some((s) => s.Effect === 'Deny' && statementApplies(s, request)))
    return 'ExplicitDeny';
  return statements.some((s) => s.Effect === 'Allow' && statementApplies(s, request))
    ? 'Allow'
    : 'ImplicitDeny';
}

/** The decision for a principal with these identity policies (and an optional boundary). */
export function evaluate(
  identity: PolicyDocument[],
  request: Request,
  boundary?: PolicyDocument
): Decision {
  const decision = decide(identity, request);
  if (decision !== 'Allow' || !boundary) return decision;
  const capped = decide([boundary], request);
  return capped === 'Allow' ? 'Allow' : capped;
}

/** Statements of a resource policy (a trust or key policy) that name this federated provider. */
export function trustAllows(
  trust: PolicyDocument,
  federatedProvider: string,
  request: Request
): boolean {
  const statements = list(trust.Statement);
  const principalMatches = (s: Statement) =>
    s.Principal !== undefined &&
    s.Principal !== '*' &&
    list(s.Principal.Federated).includes(federatedProvider);
  if (
    statements.some(
      (s) => s.Effect === 'Deny' && principalMatches(s) && statementApplies(s, request)
    )
  )
    return false;
  return statements.some(
    (s) => s.Effect === 'Allow' && principalMatches(s) && statementApplies(s, request)
  );
}
