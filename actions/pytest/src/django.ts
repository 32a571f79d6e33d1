import { readFileSync } from 'node:fs';
import path from 'node:path';

/** Whether a project is a Django project, and how pytest-django will find its settings. */
export interface DjangoDetection {
  isDjango: boolean;
  /** Settings to export as DJANGO_SETTINGS_MODULE; undefined when pytest's config names them. */
  settingsModule?: string;
  /** Why we think so, for the log. */
  reason: string;
}

/** pytest configuration files, in the order pytest itself looks for them. */
const PYTEST_CONFIGS = ['pytest.ini', '.pytest.ini', 'pyproject.toml', 'tox.ini', 'setup.cfg'];

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The settings module a manage.py sets by default (`setdefault("DJANGO_SETTINGS_MODULE", ...)`). */
export function settingsFromManagePy(source: string): string | undefined {
  return /DJANGO_SETTINGS_MODULE['"]\s*,\s*['"]([\w.]+)['"]/.exec(source)?.[1];
}

/**
 * Detect a Django project in pytest's working directory: settings given explicitly (the
 * `django-settings` input or DJANGO_SETTINGS_MODULE), settings named in a pytest configuration
 * file (pytest-django reads them itself), or a manage.py, whose default settings are used.
 */
export function detectDjango(
  dir: string,
  explicitSettings: string | undefined,
  env: NodeJS.ProcessEnv = process.env
): DjangoDetection {
  if (explicitSettings) {
    return { isDjango: true, settingsModule: explicitSettings, reason: 'input django-settings' };
  }
  if (env.DJANGO_SETTINGS_MODULE) {
    return {
      isDjango: true,
      settingsModule: env.DJANGO_SETTINGS_MODULE,
      reason: 'DJANGO_SETTINGS_MODULE is set'
    };
  }
  for (const name of PYTEST_CONFIGS) {
    const text = read(path.join(dir, name));
    if (text && /^\s*DJANGO_SETTINGS_MODULE\s*=/m.test(text)) {
      return { isDjango: true, reason: `${name} sets DJANGO_SETTINGS_MODULE` };
    }
  }
  const managePy = read(path.join(dir, 'manage.py'));
  if (managePy !== undefined) {
    const settings = settingsFromManagePy(managePy);
    return settings
      ? { isDjango: true, settingsModule: settings, reason: `manage.py uses ${settings}` }
      : { isDjango: true, reason: 'manage.py found (its settings module is not recognisable)' };
  }
  return { isDjango: false, reason: 'no Django settings and no manage.py' };
}
