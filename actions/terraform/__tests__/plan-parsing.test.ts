import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { enforceDestroyGuard, guardedDeletions } from '../src/destroy-guard.js';
import { isStalePlanError, parseLockError } from '../src/lock.js';
import { parsePlanJson, summarizePlan } from '../src/plan-json.js';
import { planHeadline } from '../src/plan-summary.js';

const FIXTURES = path.join(import.meta.dirname, 'fixtures');
const fixture = (name: string): string => readFileSync(path.join(FIXTURES, name), 'utf8');
const summaryOf = (name: string) => summarizePlan(parsePlanJson(fixture(name)));

describe('plan JSON summary', () => {
  it('counts a real Terraform 1.11.4 plan exactly as Terraform\'s own "Plan:" line does', () => {
    const summary = summaryOf('real-1.11.4-terraform-data.plan.json');
    const terraformsLine = /Plan: .*\./.exec(fixture('real-1.11.4-terraform-data.plan.txt'))?.[0];
    expect(planHeadline(summary)).toBe(`${terraformsLine?.slice(0, -1)} (1 replaced).`);
    expect(summary).toMatchObject({ add: 2, change: 1, destroy: 2, replace: 1, hasChanges: true });
    expect(summary.changes.map((c) => [c.kind, c.address, c.reason])).toEqual([
      ['delete', 'terraform_data.old', 'delete_because_no_resource_config'],
      ['replace', 'terraform_data.db', 'replace_because_cannot_update'],
      ['update', 'terraform_data.app', undefined],
      ['create', 'terraform_data.new', undefined]
    ]);
    expect(summary.outputChanges).toEqual([{ name: 'shop_url', kind: 'update', sensitive: false }]);
  });

  it('summarizes the first deploy of the shop (module addresses, for_each keys)', () => {
    const summary = summaryOf('aws-first-deploy.plan.json');
    expect(summary).toMatchObject({ add: 6, change: 0, destroy: 0, replace: 0 });
    expect(summary.changes.map((c) => c.address)).toContain(
      'module.ec2.aws_autoscaling_group.app["az1"]'
    );
  });

  it('an image update is one in-place change; no-ops are left out', () => {
    const summary = summaryOf('aws-image-update.plan.json');
    expect(summary).toMatchObject({ add: 0, change: 1, destroy: 0 });
    expect(summary.changes).toHaveLength(1);
  });

  it('no changes: says so', () => {
    const summary = summaryOf('aws-no-changes.plan.json');
    expect(summary.hasChanges).toBe(false);
    expect(planHeadline(summary)).toBe('No changes. The infrastructure matches the configuration.');
  });

  it('an unsupported format_version major: refused', () => {
    expect(() => parsePlanJson('{"format_version":"2.0"}')).toThrow(
      'Unsupported plan JSON format_version 2.0'
    );
  });

  it('text that is not JSON: says terraform show did not print JSON', () => {
    expect(() => parsePlanJson('Error: no plan')).toThrow('did not print JSON');
  });
});

describe('destroy guard', () => {
  const danger = summaryOf('aws-replaces-database.plan.json');

  it('refuses replacing the database (a replace deletes first)', () => {
    expect(() => enforceDestroyGuard(danger, ['aws_db_instance'], [])).toThrow(
      /module\.rds\.aws_db_instance\.this \(replace, replace_because_cannot_update\)/
    );
  });

  it('allows it when the type or the address is listed in allow-destroy', () => {
    expect(guardedDeletions(danger, ['aws_db_instance'], ['aws_db_instance'])).toEqual([]);
    expect(
      guardedDeletions(danger, ['aws_db_instance'], ['module.rds.aws_db_instance.this'])
    ).toEqual([]);
  });

  it('guards other types when asked (an app server group deleted)', () => {
    expect(guardedDeletions(danger, ['aws_autoscaling_group'], []).map((c) => c.address)).toEqual([
      'module.ec2.aws_autoscaling_group.app["az2"]'
    ]);
  });
});

describe('state lock errors', () => {
  it('parses a real local-backend lock error (Terraform 1.11.4, boxed)', () => {
    expect(parseLockError(fixture('real-1.11.4-local-lock.stderr.txt'))).toEqual({
      id: '5ca580ca-6e61-aa1a-0c59-ba42a58499dc',
      path: 'terraform.tfstate',
      operation: 'OperationTypeApply',
      who: 'root@vm',
      version: '1.11.4',
      created: '2026-11-26 01:11:10.306070779 +0000 UTC',
      info: '',
      errorMessage: 'resource temporarily unavailable'
    });
  });

  it('parses an S3 native-lock error whose message wraps over lines', () => {
    const lock = parseLockError(fixture('s3-lock.stderr.txt'));
    expect(lock?.who).toBe('runner@fv-az1234-567');
    expect(lock?.path).toBe('ecommerce-tfstate-123456789012/ecommerce/terraform.tfstate');
    expect(lock?.errorMessage).toMatch(
      /^operation error S3: PutObject.*PreconditionFailed.*did not hold$/
    );
  });

  it('parses a DynamoDB lock error printed with -no-color', () => {
    const lock = parseLockError(fixture('dynamodb-lock.nocolor.stderr.txt'));
    expect(lock).toMatchObject({
      id: 'f9763602-b03f-e35c-da30-4083cdbb99ae',
      operation: 'OperationTypePlan',
      who: 'deployer@laptop',
      errorMessage: 'ConditionalCheckFailedException: The conditional request failed'
    });
  });

  it('other errors are not lock errors; the real stale-plan error is recognized', () => {
    expect(parseLockError(fixture('real-1.11.4-stale-plan.stderr.txt'))).toBeUndefined();
    expect(isStalePlanError(fixture('real-1.11.4-stale-plan.stderr.txt'))).toBe(true);
    expect(isStalePlanError(fixture('s3-lock.stderr.txt'))).toBe(false);
  });
});
