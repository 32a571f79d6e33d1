import { describe, expect, it } from '@jest/globals';
import { explainExitCode } from '../src/exit-codes.js';
import { rootdirFromOutput } from '../src/run.js';

describe('explainExitCode', () => {
  it('leaves 0 and 1 to the counts', () => {
    expect(explainExitCode(0, 'app', 0)).toBeUndefined();
    expect(explainExitCode(1, 'app', 3)).toBeUndefined();
  });

  it.each([
    [2, 2, /^pytest stopped before running the tests \(exit code 2\): 2 errors during collection/],
    [2, 0, /^pytest was interrupted \(exit code 2\)/],
    [3, 0, /^pytest hit an internal error \(exit code 3\)/],
    [4, 0, /^pytest rejected its command line \(exit code 4, usage error\)/],
    [5, 0, /^pytest collected no tests in app\/backend \(exit code 5\)/],
    [137, 0, /^pytest exited with code 137 \(killed by a signal or out of memory\?\)/]
  ])('explains exit code %i (%i collection errors)', (code, errors, message) => {
    expect(explainExitCode(code, 'app/backend', errors)).toMatch(message);
  });
});

describe('rootdirFromOutput', () => {
  it("reads pytest's header, old and new style", () => {
    expect(rootdirFromOutput('platform linux\nrootdir: /work/app\nconfigfile: pytest.ini\n')).toBe(
      '/work/app'
    );
    expect(
      rootdirFromOutput('rootdir: /work/app, configfile: pytest.ini, testpaths: tests\n')
    ).toBe('/work/app');
    expect(rootdirFromOutput('no header here')).toBeUndefined();
  });
});
