import * as core from '@actions/core';
import { maskSecret } from '../../shared/src/secrets.js';
import { Output, RESERVED_OUTPUT_NAMES } from './constants.js';

/** One entry of `terraform output -json`. */
export interface TerraformOutput {
  sensitive: boolean;
  type: unknown;
  value: unknown;
}

/** A Terraform value as an action output string: strings as is, everything else as JSON. */
export function outputString(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * Publish the root's outputs: each as its own action output, plus all of them as JSON.
 * Sensitive values are masked first, and left out of the JSON (as null, named in
 * `sensitive-outputs`), because the runner drops a job output that contains a masked value —
 * one secret would otherwise hide every output from later jobs.
 */
export function publishOutputs(outputs: Record<string, TerraformOutput>): {
  names: string[];
  sensitive: string[];
} {
  const json: Record<string, unknown> = {};
  const sensitive: string[] = [];
  for (const [name, output] of Object.entries(outputs)) {
    const text = outputString(output.value);
    if (output.sensitive) {
      maskSecret(text);
      sensitive.push(name);
      json[name] = null;
    } else {
      json[name] = output.value;
    }
    if (!RESERVED_OUTPUT_NAMES.has(name)) core.setOutput(name, text);
  }
  core.setOutput(Output.Outputs, JSON.stringify(json));
  core.setOutput(Output.SensitiveOutputs, JSON.stringify(sensitive));
  return { names: Object.keys(outputs), sensitive };
}

/** Parse `terraform output -json`. */
export function parseOutputsJson(text: string): Record<string, TerraformOutput> {
  const parsed: unknown = JSON.parse(text.trim() === '' ? '{}' : text);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new Error('terraform output -json did not print a JSON object.');
  }
  return parsed as Record<string, TerraformOutput>;
}
