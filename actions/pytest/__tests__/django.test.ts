import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { detectDjango, settingsFromManagePy } from '../src/django.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'pytest-django-detect-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('detectDjango', () => {
  it('is not Django without settings or a manage.py', () => {
    writeFileSync(path.join(dir, 'pytest.ini'), '[pytest]\ntestpaths = tests\n');
    expect(detectDjango(dir, undefined, {})).toEqual({
      isDjango: false,
      reason: 'no Django settings and no manage.py'
    });
  });

  it('uses the django-settings input first, then DJANGO_SETTINGS_MODULE', () => {
    expect(detectDjango(dir, 'shop.settings', { DJANGO_SETTINGS_MODULE: 'other' })).toMatchObject({
      isDjango: true,
      settingsModule: 'shop.settings'
    });
    expect(
      detectDjango(dir, undefined, { DJANGO_SETTINGS_MODULE: 'other.settings' })
    ).toMatchObject({ isDjango: true, settingsModule: 'other.settings' });
  });

  it('leaves settings named in the pytest configuration to pytest-django', () => {
    writeFileSync(
      path.join(dir, 'pyproject.toml'),
      '[tool.pytest.ini_options]\nDJANGO_SETTINGS_MODULE = "config.settings.test"\n'
    );
    expect(detectDjango(dir, undefined, {})).toEqual({
      isDjango: true,
      reason: 'pyproject.toml sets DJANGO_SETTINGS_MODULE'
    });
  });

  it("takes a manage.py's default settings", () => {
    writeFileSync(
      path.join(dir, 'manage.py'),
      'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")\n'
    );
    expect(detectDjango(dir, undefined, {})).toEqual({
      isDjango: true,
      settingsModule: 'config.settings',
      reason: 'manage.py uses config.settings'
    });
  });
});

describe('settingsFromManagePy', () => {
  it('reads either quote style', () => {
    expect(settingsFromManagePy(`os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'a.b')`)).toBe(
      'a.b'
    );
    expect(settingsFromManagePy('print("hello")')).toBeUndefined();
  });
});
