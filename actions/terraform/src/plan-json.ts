/**
 * The parts of Terraform's JSON plan representation (`terraform show -json <plan>`,
 * format_version 1.x) this action reads. Unknown properties are ignored, as the format's
 * compatibility promise asks; an unknown major version is refused.
 */
export type ChangeAction = 'no-op' | 'create' | 'read' | 'update' | 'delete' | 'forget';

export interface ResourceChange {
  address: string;
  module_address?: string;
  mode: 'managed' | 'data';
  type: string;
  name: string;
  index?: string | number;
  provider_name?: string;
  action_reason?: string;
  change: {
    actions: ChangeAction[];
    before?: unknown;
    after?: unknown;
    /** The after-values Terraform cannot know until apply, flagged `true`. */
    after_unknown?: unknown;
    /** The after-values that are sensitive, flagged `true`. */
    after_sensitive?: unknown;
  };
}

export interface OutputChange {
  actions: ChangeAction[];
  after_sensitive?: boolean;
}

export interface PlanDocument {
  format_version: string;
  terraform_version?: string;
  /** The root module's variables with the values the plan was made with. */
  variables?: Record<string, { value?: unknown }>;
  resource_changes?: ResourceChange[];
  output_changes?: Record<string, OutputChange>;
  applyable?: boolean;
  complete?: boolean;
  errored?: boolean;
}

/** What happens to one resource, in the words Terraform's own plan output uses. */
export type ChangeKind = 'create' | 'update' | 'replace' | 'delete' | 'read' | 'forget';

export interface PlannedChange {
  address: string;
  type: string;
  kind: ChangeKind;
  actions: ChangeAction[];
  reason: string | undefined;
}

export interface PlanSummary {
  terraformVersion: string;
  /** Counted as Terraform's "Plan: N to add, N to change, N to destroy" line counts them. */
  add: number;
  change: number;
  destroy: number;
  /** Replacements (each counted once in add and once in destroy above). */
  replace: number;
  changes: PlannedChange[];
  outputChanges: { name: string; kind: ChangeKind | 'no-op'; sensitive: boolean }[];
  hasChanges: boolean;
}

function kindOf(actions: readonly ChangeAction[]): ChangeKind | 'no-op' {
  const key = actions.join(',');
  switch (key) {
    case 'create':
      return 'create';
    case 'update':
      return 'update';
    case 'delete':
      return 'delete';
    case 'read':
      return 'read';
    case 'forget':
      return 'forget';
    case 'delete,create':
    case 'create,delete':
      return 'replace';
    default:
      return 'no-op';
  }
}

/** Whether a resource's planned actions delete it (a plain destroy or a replacement). */
export function deletes(change: Pick<PlannedChange, 'actions'>): boolean {
  return change.actions.includes('delete');
}

/** Parse the JSON text, checking it is a plan representation this code understands. */
export function parsePlanJson(text: string): PlanDocument {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new Error(`terraform show -json did not print JSON: ${(error as Error).message}`);
  }
  const plan = doc as Partial<PlanDocument> | null;
  if (!plan || typeof plan.format_version !== 'string') {
    throw new Error('terraform show -json printed no format_version: not a plan representation.');
  }
  if (!plan.format_version.startsWith('1.')) {
    throw new Error(
      `Unsupported plan JSON format_version ${plan.format_version} (this action reads 1.x).`
    );
  }
  return plan as PlanDocument;
}

/** Typed summary of a plan, ordered so destructive changes come first. */
export function summarizePlan(plan: PlanDocument): PlanSummary {
  const changes: PlannedChange[] = [];
  for (const rc of plan.resource_changes ?? []) {
    const kind = kindOf(rc.change.actions);
    if (kind === 'no-op') continue;
    changes.push({
      address: rc.address,
      type: rc.type,
      kind,
      actions: rc.change.actions,
      reason: rc.action_reason
    });
  }
  const order: Record<ChangeKind, number> = {
    delete: 0,
    replace: 1,
    update: 2,
    create: 3,
    forget: 4,
    read: 5
  };
  changes.sort((a, b) => order[a.kind] - order[b.kind] || a.address.localeCompare(b.address));

  const managed = changes.filter((c) => c.kind !== 'read');
  const count = (kinds: ChangeKind[]): number =>
    managed.filter((c) => kinds.includes(c.kind)).length;
  const outputChanges = Object.entries(plan.output_changes ?? {})
    .map(([name, oc]) => ({
      name,
      kind: kindOf(oc.actions),
      sensitive: oc.after_sensitive === true
    }))
    .filter((o) => o.kind !== 'no-op');

  return {
    terraformVersion: plan.terraform_version ?? 'unknown',
    add: count(['create', 'replace']),
    change: count(['update']),
    destroy: count(['delete', 'replace']),
    replace: count(['replace']),
    changes,
    outputChanges,
    hasChanges: managed.length > 0 || outputChanges.length > 0
  };
}
