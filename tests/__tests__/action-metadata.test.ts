import { describe, expect, it } from '@jest/globals';
import { NoOperationTraceWriter } from '@actions/workflow-parser';
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { repoRoot } from '../kit/action-bundle.js';

// Every action's action.yml as the Marketplace and other repositories see it: accepted by
// GitHub's own action schema (strict: branding icon and colour from GitHub's allowed sets, a
// known runtime), with a name, description, author and branding, and every input and output
// described; its README shows use from another repository by release tag and, for node24
// actions, the runner version node24 needs.

interface Metadata {
  name?: string;
  description?: string;
  author?: string;
  branding?: { icon?: string; color?: string };
  inputs?: Record<string, { description?: string }>;
  outputs?: Record<string, { description?: string }>;
  runs: { using: string };
}

const actions = readdirSync(path.join(repoRoot, 'actions'))
  .filter((name) => existsSync(path.join(repoRoot, 'actions', name, 'action.yml')))
  .sort();

describe.each(actions)('actions/%s', (name) => {
  const file = path.join(repoRoot, 'actions', name, 'action.yml');
  const text = readFileSync(file, 'utf8');
  const metadata = parse(text) as Metadata;
  const readmeFile = path.join(repoRoot, 'actions', name, 'README.md');
  const readme = existsSync(readmeFile) ? readFileSync(readmeFile, 'utf8') : '';

  it("passes GitHub's action schema (@actions/workflow-parser, strict)", () => {
    const parsed = parseAction(
      { name: `actions/${name}/action.yml`, content: text },
      new NoOperationTraceWriter()
    );
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    const template = convertActionTemplate(parsed.context, parsed.value!);
    expect(parsed.context.errors.getErrors().map((e) => e.message)).toEqual([]);
    expect(template.branding).toEqual({
      icon: expect.any(String),
      color: expect.any(String)
    });
    expect(['node24', 'composite']).toContain(metadata.runs.using);
  });

  it('has a name, description and author', () => {
    for (const field of ['name', 'description', 'author'] as const)
      expect({ field, value: metadata[field]?.trim() ?? '' }).toEqual({
        field,
        value: expect.stringMatching(/\S/)
      });
  });

  it('describes every input and output', () => {
    const undescribed = [
      ...Object.entries(metadata.inputs ?? {}).map(([n, spec]) => [`input ${n}`, spec] as const),
      ...Object.entries(metadata.outputs ?? {}).map(([n, spec]) => [`output ${n}`, spec] as const)
    ]
      .filter(([, spec]) => !spec?.description?.trim())
      .map(([label]) => label);
    expect(undescribed).toEqual([]);
  });

  it('shows in its README how another repository uses it, by release tag', () => {
    expect(readme).toContain('## Use from another repository');
    expect(readme).toContain(`uses: <owner>/ecommerce_docker_deployment/actions/${name}@v1`);
  });

  it('states the runner version its runtime needs', () => {
    if (metadata.runs.using === 'node24')
      expect(readme).toMatch(/runner needs\s+version\s+2\.327\.1/);
    else expect(readme).toMatch(/composite action/);
  });
});
