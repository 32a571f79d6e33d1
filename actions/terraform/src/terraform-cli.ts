import * as io from '@actions/io';
import { ConfigurationError } from '../../shared/src/errors.js';
import { loggedExec, type ExecResult } from '../../shared/src/exec.js';
import { parseLockError, type LockInfo } from './lock.js';

/** The state lock is held by someone else, and waiting `lock-timeout` did not free it. */
export class StateLockedError extends ConfigurationError {
  constructor(
    readonly lock: LockInfo,
    lockTimeout: string,
    workingDirectory: string
  ) {
    super(
      `The Terraform state is locked by ${lock.who || 'an unknown holder'} ` +
        `(operation ${lock.operation || '?'}, since ${lock.created || '?'}, Terraform ` +
        `${lock.version || '?'}, lock ID ${lock.id || '?'}, state ${lock.path || '?'}); waited ` +
        `${lockTimeout} ("lock-timeout") for it. Another deploy is probably running: let it ` +
        'finish. If the holder is gone (a cancelled job), release the lock from a machine with ' +
        `access to the state: terraform -chdir=${workingDirectory} force-unlock ${lock.id || '<ID>'}` +
        (lock.errorMessage ? `\n(backend said: ${lock.errorMessage})` : '')
    );
  }
}

/**
 * Runs Terraform in one root directory, the way automation should: no prompts, no colours,
 * TF_IN_AUTOMATION set (shorter hints), secret variables only in the environment.
 */
export class TerraformCli {
  constructor(
    readonly workingDirectory: string,
    private readonly secretVariables: Record<string, string>,
    private readonly lockTimeout: string
  ) {}

  /** Fails clearly when `terraform` is not on PATH (the workflow installs it). */
  static async ensureInstalled(): Promise<string> {
    const found = await io.which('terraform', false);
    if (!found) {
      throw new ConfigurationError(
        'terraform is not on PATH. Install it before this step, e.g. with ' +
          'hashicorp/setup-terraform and `terraform_wrapper: false` (the wrapper rewrites ' +
          'the output this action reads).'
      );
    }
    return found;
  }

  private environment(): Record<string, string> {
    const env: Record<string, string> = { TF_IN_AUTOMATION: '1', TF_INPUT: '0' };
    for (const [name, value] of Object.entries(this.secretVariables)) env[`TF_VAR_${name}`] = value;
    return env;
  }

  /** Run `terraform <args>`; never throws for a non-zero exit (callers decide). */
  run(args: string[], options: { quiet?: boolean } = {}): Promise<ExecResult> {
    return loggedExec('terraform', args, {
      cwd: this.workingDirectory,
      env: this.environment(),
      secrets: Object.values(this.secretVariables),
      ignoreReturnCode: true,
      quiet: options.quiet
    });
  }

  /** Run and throw on failure, turning a state-lock error into who holds the lock. */
  async runOrThrow(args: string[], what: string, options: { quiet?: boolean } = {}) {
    const result = await this.run(args, options);
    if (result.exitCode !== 0) this.fail(result, what);
    return result;
  }

  /** Throw the most useful error for a failed command. */
  fail(result: ExecResult, what: string): never {
    const lock = parseLockError(result.stderr);
    if (lock) throw new StateLockedError(lock, this.lockTimeout, this.workingDirectory);
    const tail = result.stderr.trim().split('\n').slice(-25).join('\n');
    throw new Error(`${what} failed (exit code ${result.exitCode})${tail ? `:\n${tail}` : '.'}`);
  }
}
