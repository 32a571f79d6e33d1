import { describe, expect, it } from '@jest/globals';
import type { ParameterHistory, SSMClient } from '@aws-sdk/client-ssm';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../../../tests/kit/action-bundle.js';
import {
  IMAGE_REFERENCE,
  RELEASE_WINDOW_MS,
  documentParameterName,
  readImageStates,
  type ImageParameter
} from '../src/images.js';

// How the rollout decides what "previous" means, from SSM's parameter history; and the contract
// with Terraform's deploy document, whose allowedPattern must accept every reference the
// rollout may hand it.

const NOW = Date.parse('2026-12-05T12:00:00Z');
const minutes = (n: number): Date => new Date(NOW - n * 60_000);
const image = (c: string): string => `docker.io/acme/ecommerce-backend@sha256:${c.repeat(64)}`;

function parameter(name: string): ImageParameter {
  return { name, documentParameter: documentParameterName(name), expected: undefined };
}

/** An SSM client that answers GetParameterHistory from a table, two versions per page. */
function ssmWith(histories: Record<string, [string, Date][]>): SSMClient {
  return {
    send: async (command: { input: { Name: string; NextToken?: string } }) => {
      const all: ParameterHistory[] = (histories[command.input.Name] ?? []).map(
        ([value, date], i) => ({
          Name: command.input.Name,
          Value: value,
          Version: i + 1,
          LastModifiedDate: date
        })
      );
      const start = Number(command.input.NextToken ?? 0);
      const next = start + 2 < all.length ? String(start + 2) : undefined;
      return { Parameters: all.slice(start, start + 2), NextToken: next };
    }
  } as unknown as SSMClient;
}

const BACKEND = '/shop/deploy/backend_image';
const FRONTEND = '/shop/deploy/frontend_image';

describe('readImageStates', () => {
  it('takes the last different value as the previous one, across pages and repeated values', async () => {
    const ssm = ssmWith({
      [BACKEND]: [
        [image('1'), minutes(300)],
        [image('2'), minutes(200)],
        [image('3'), minutes(100)], // a release that failed and was rolled back…
        [image('2'), minutes(99)], // …to this
        [image('3'), minutes(5)] // the same release applied again
      ]
    });
    const [state] = await readImageStates(ssm, [parameter(BACKEND)], NOW, 120 * 60_000);
    expect(state?.current).toMatchObject({ value: image('3'), version: 5 });
    expect(state?.previous).toMatchObject({ value: image('2'), version: 4 });
    expect(state?.changed).toBe(true);
  });

  it('a parameter this release did not write is not rolled back', async () => {
    const ssm = ssmWith({
      [BACKEND]: [
        [image('a'), minutes(600)],
        [image('b'), minutes(60)] // an earlier deploy's
      ],
      [FRONTEND]: [
        [image('c'), minutes(600)],
        [image('d'), minutes(2)] // this deploy's
      ]
    });
    const states = await readImageStates(
      ssm,
      [parameter(BACKEND), parameter(FRONTEND)],
      NOW,
      120 * 60_000
    );
    expect(states.map((s) => s.changed)).toEqual([false, true]);
    expect(60 - 2).toBeGreaterThan(RELEASE_WINDOW_MS / 60_000);
  });

  it('a release older than the maximum age is not this deploy: nothing counts as changed', async () => {
    const ssm = ssmWith({
      [BACKEND]: [
        [image('a'), minutes(900)],
        [image('b'), minutes(600)]
      ]
    });
    const [state] = await readImageStates(ssm, [parameter(BACKEND)], NOW, 120 * 60_000);
    expect(state?.previous?.value).toBe(image('a'));
    expect(state?.changed).toBe(false);
  });

  it('a first deploy has no previous value', async () => {
    const ssm = ssmWith({ [BACKEND]: [[image('a'), minutes(3)]] });
    const [state] = await readImageStates(ssm, [parameter(BACKEND)], NOW, 120 * 60_000);
    expect(state?.previous).toBeUndefined();
    expect(state?.changed).toBe(true);
  });
});

describe('image references and document parameters', () => {
  // The project's own deploy no longer redeploys in place (terraform/ has no deploy document or
  // image parameters: a release is a launch template version); the pattern is still the one the
  // Terraform root accepts for an image, so a reference it takes is one this mode takes too.
  const variablesTf = readFileSync(path.join(repoRoot, 'terraform/variables.tf'), 'utf8');

  it('maps /<prefix>/<name>_image parameters to the document parameters <name>Image', () => {
    expect(documentParameterName('/ecommerce/deploy/backend_image')).toBe('backendImage');
    expect(documentParameterName('/ecommerce/deploy/frontend_image')).toBe('frontendImage');
  });

  it('accepts exactly what Terraform accepts as an image', () => {
    const validations = [
      ...variablesTf.matchAll(/can\(regex\("([^"]+)", var\.(backend|frontend)_image\)\)/g)
    ];
    expect(validations.map((m) => m[1])).toEqual([IMAGE_REFERENCE.source, IMAGE_REFERENCE.source]);
  });

  it('refuses what a shell would read as more than one word', () => {
    for (const bad of [
      `${image('a')}' ; rm -rf /`,
      `${image('a')} x`,
      'acme/backend:latest',
      `$(id)@sha256:${'a'.repeat(64)}`
    ]) {
      expect(IMAGE_REFERENCE.test(bad)).toBe(false);
    }
    expect(
      IMAGE_REFERENCE.test(`registry.example.com:5000/acme/backend:1.2@sha256:${'a'.repeat(64)}`)
    ).toBe(true);
  });
});
