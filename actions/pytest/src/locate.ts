import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TestCase } from './junit.js';

/** Where an annotation goes: a file relative to the workspace, and a 1-based line. */
export interface SourceLocation {
  file: string;
  line: number;
}

export interface LocateContext {
  /** Folder pytest ran in: traceback paths are relative to it. */
  cwd: string;
  /** pytest's rootdir (from its header), which testcase `file` attributes are relative to. */
  rootdir?: string;
  /** GITHUB_WORKSPACE: annotations name files relative to it. */
  workspace: string;
}

/**
 * Traceback positions in pytest's output, in order: `tests/test_cart.py:42: AssertionError`
 * (long and short styles) and `File "/abs/tests/test_cart.py", line 42, in test_x` (native).
 */
export function tracebackPositions(text: string): { file: string; line: number }[] {
  const found: { file: string; index: number; line: number }[] = [];
  for (const m of text.matchAll(/^\s*(\S[^\n:]*?\.py):(\d+):/gm)) {
    found.push({ file: m[1] ?? '', line: Number(m[2]), index: m.index });
  }
  for (const m of text.matchAll(/File "([^"\n]+\.py)", line (\d+)/g)) {
    found.push({ file: m[1] ?? '', line: Number(m[2]), index: m.index });
  }
  return found.sort((a, b) => a.index - b.index).map(({ file, line }) => ({ file, line }));
}

/** A file inside the workspace and outside any installed package: code the project owns. */
function projectFile(candidate: string, ctx: LocateContext): string | undefined {
  const bases = path.isAbsolute(candidate) ? [''] : [ctx.cwd, ctx.rootdir ?? ctx.cwd];
  for (const base of bases) {
    const absolute = path.resolve(base, candidate);
    const relative = path.relative(ctx.workspace, absolute);
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    if (/(^|[\\/])(site-packages|dist-packages|\.venv[^\\/]*|venv)[\\/]/.test(relative)) continue;
    if (existsSync(absolute)) return relative.split(path.sep).join('/');
  }
  return undefined;
}

/**
 * Where to annotate a failed test: the deepest traceback line in the project's own code (the
 * assertion, or the fixture that raised), else the test's own `def` line from the report, else
 * its module guessed from the dotted classname.
 */
export function locateFailure(c: TestCase, ctx: LocateContext): SourceLocation | undefined {
  const positions = tracebackPositions(c.details ?? '');
  for (const position of positions.reverse()) {
    const file = projectFile(position.file, ctx);
    if (file) return { file, line: position.line };
  }
  if (c.file) {
    const file = projectFile(c.file, ctx);
    // pytest writes the 0-based line of the def; annotations count from 1.
    if (file) return { file, line: c.line === undefined ? 1 : c.line + 1 };
  }
  if (c.classname) {
    const parts = c.classname.split('.');
    for (let n = parts.length; n > 0; n--) {
      const file = projectFile(`${parts.slice(0, n).join('/')}.py`, ctx);
      if (file) return { file, line: 1 };
    }
  }
  return undefined;
}
