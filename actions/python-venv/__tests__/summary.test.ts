import { describe, expect, it } from '@jest/globals';
import { describeCache, renderSummary } from '../src/summary.js';

describe('describeCache', () => {
  it('says in words what happened to the cache', () => {
    expect(describeCache(undefined)).toBe('not used (`cache: false`)');
    expect(describeCache({ status: 'hit', primaryKey: 'k', matchedKey: 'k' })).toBe('hit: `k`');
    expect(describeCache({ status: 'partial', primaryKey: 'k2', matchedKey: 'k1' })).toBe(
      'restored an older entry `k1`; a new one is saved after the job'
    );
    expect(describeCache({ status: 'miss', primaryKey: 'k' })).toBe(
      'miss: saved after the job as `k`'
    );
    expect(describeCache({ status: 'off', reason: 'no service' })).toBe('off: no service');
  });
});

describe('renderSummary', () => {
  it('shows the Python, the environment, the requirements, the packages and the time', () => {
    const text = renderSummary({
      pythonVersion: '3.11.7',
      interpreter: '/usr/bin/python3.11',
      venvPath: '/work/.venv',
      requirements: ['requirements.txt', 'requirements-dev.txt'],
      packages: ['Django==5.2.19', 'pytest==9.2.0'],
      pipUpgraded: true,
      cache: { status: 'miss', primaryKey: 'python-venv-pip-v1-Linux-x64-python3.11.7-abc' },
      durationMs: 23_400
    });
    expect(text).toContain('### Python 3.11.7 virtual environment');
    expect(text).toContain('| Python | 3.11.7 (`/usr/bin/python3.11`) |');
    expect(text).toContain('| Requirements | `requirements.txt`, `requirements-dev.txt` |');
    expect(text).toContain('| Packages | 2 (pip upgraded) |');
    expect(text).toContain(
      '| pip cache | miss: saved after the job as `python-venv-pip-v1-Linux-x64-python3.11.7-abc` |'
    );
    expect(text).toContain('| Time | 23.4 s |');
    expect(text).toContain('<details><summary>Installed packages (2)</summary>');
    expect(text).toContain('Django==5.2.19\npytest==9.2.0');
  });
});
