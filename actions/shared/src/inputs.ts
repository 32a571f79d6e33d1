import * as core from '@actions/core';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigurationError } from './errors.js';

/**
 * Input parsing shared by every action. Each reader throws a ConfigurationError whose message
 * names the input, the value it got and the rule it broke, so the job log says what to fix.
 */

/** A required, non-empty input. */
export function getRequiredInput(name: string): string {
  const value = core.getInput(name).trim();
  if (value === '') throw new ConfigurationError(`Input "${name}" is required but was empty.`);
  return value;
}

/** An optional input: undefined when empty or unset. */
export function getOptionalInput(name: string): string | undefined {
  const value = core.getInput(name).trim();
  return value === '' ? undefined : value;
}

const TRUE_VALUES = ['true', 'True', 'TRUE'];
const FALSE_VALUES = ['false', 'False', 'FALSE'];

/** A YAML 1.2 boolean; anything else ("yes", "1") is rejected rather than guessed at. */
export function getBooleanInput(name: string, defaultValue: boolean): boolean {
  const value = core.getInput(name).trim();
  if (value === '') return defaultValue;
  if (TRUE_VALUES.includes(value)) return true;
  if (FALSE_VALUES.includes(value)) return false;
  throw new ConfigurationError(`Input "${name}" must be true or false, got "${value}".`);
}

export interface IntegerRule {
  defaultValue?: number;
  min?: number;
  max?: number;
}

/** A whole number within optional bounds. */
export function getIntegerInput(name: string, rule: IntegerRule = {}): number {
  const raw = core.getInput(name).trim();
  if (raw === '') {
    if (rule.defaultValue === undefined) {
      throw new ConfigurationError(`Input "${name}" is required but was empty.`);
    }
    return rule.defaultValue;
  }
  if (!/^-?\d+$/.test(raw)) {
    throw new ConfigurationError(`Input "${name}" must be a whole number, got "${raw}".`);
  }
  const value = Number(raw);
  if (rule.min !== undefined && value < rule.min) {
    throw new ConfigurationError(`Input "${name}" must be at least ${rule.min}, got ${value}.`);
  }
  if (rule.max !== undefined && value > rule.max) {
    throw new ConfigurationError(`Input "${name}" must be at most ${rule.max}, got ${value}.`);
  }
  return value;
}

/** A decimal number within optional bounds. */
export function getNumberInput(name: string, rule: IntegerRule = {}): number {
  const raw = core.getInput(name).trim();
  if (raw === '') {
    if (rule.defaultValue === undefined) {
      throw new ConfigurationError(`Input "${name}" is required but was empty.`);
    }
    return rule.defaultValue;
  }
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new ConfigurationError(`Input "${name}" must be a number, got "${raw}".`);
  }
  if (rule.min !== undefined && value < rule.min) {
    throw new ConfigurationError(`Input "${name}" must be at least ${rule.min}, got ${value}.`);
  }
  if (rule.max !== undefined && value > rule.max) {
    throw new ConfigurationError(`Input "${name}" must be at most ${rule.max}, got ${value}.`);
  }
  return value;
}

/** One of a fixed set of values. */
export function getChoiceInput<T extends string>(
  name: string,
  choices: readonly T[],
  defaultValue?: T
): T {
  const raw = core.getInput(name).trim();
  if (raw === '') {
    if (defaultValue === undefined) {
      throw new ConfigurationError(`Input "${name}" is required but was empty.`);
    }
    return defaultValue;
  }
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigurationError(
      `Input "${name}" must be one of ${choices.join(', ')}, got "${raw}".`
    );
  }
  return raw as T;
}

/**
 * A list given one item per line or separated by commas (both are common in workflow files).
 * Blank items and `#` comment lines are dropped.
 */
export function getListInput(name: string): string[] {
  return core
    .getInput(name)
    .split(/\r?\n/)
    .filter((line) => !line.trim().startsWith('#'))
    .flatMap((line) => line.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** `KEY=value` lines, e.g. Terraform variables or build arguments. */
export function getKeyValueInput(name: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const line of core.getInput(name).split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const eq = trimmed.indexOf('=');
    if (eq <= 0) {
      throw new ConfigurationError(
        `Input "${name}" must hold KEY=value lines, got "${trimmed.slice(0, 40)}".`
      );
    }
    result[trimmed.slice(0, eq).trim()] = trimmed.slice(eq + 1).trim();
  }
  return result;
}

/** JSON input, parsed; the error says where the JSON broke. */
export function getJsonInput<T = unknown>(name: string): T | undefined {
  const raw = core.getInput(name).trim();
  if (raw === '') return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch (error) {
    throw new ConfigurationError(`Input "${name}" is not valid JSON: ${(error as Error).message}.`);
  }
}

export type PathKind = 'file' | 'directory';

/**
 * A path that must exist, resolved against the workspace (where the runner checks out the
 * repository), so relative paths in workflow files mean what their authors expect.
 */
export function resolveExistingPath(name: string, value: string, kind: PathKind): string {
  const base = process.env.GITHUB_WORKSPACE ?? process.cwd();
  const resolved = path.resolve(base, value);
  if (!existsSync(resolved)) {
    throw new ConfigurationError(`Input "${name}": ${kind} "${value}" does not exist.`);
  }
  const stat = statSync(resolved);
  if (kind === 'file' && !stat.isFile()) {
    throw new ConfigurationError(`Input "${name}": "${value}" is not a file.`);
  }
  if (kind === 'directory' && !stat.isDirectory()) {
    throw new ConfigurationError(`Input "${name}": "${value}" is not a directory.`);
  }
  return resolved;
}
