import { focusFirstProblem } from '../form';

const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

describe('focusFirstProblem', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  test('focuses an alert that React commits only after the next frame', async () => {
    const form = document.createElement('form');
    document.body.append(form);
    focusFirstProblem(form);
    await frame();
    await frame();
    const alert = document.createElement('div');
    alert.setAttribute('role', 'alert');
    alert.tabIndex = -1;
    form.append(alert);
    await frame();
    await frame();
    expect(document.activeElement).toBe(alert);
  });

  test('prefers the first field marked invalid to the alert', async () => {
    const form = document.createElement('form');
    form.innerHTML =
      '<div role="alert" tabindex="-1">Check the fields</div><input name="a"><input name="b" aria-invalid="true">';
    document.body.append(form);
    focusFirstProblem(form);
    await frame();
    expect(document.activeElement).toBe(form.querySelector('[name="b"]'));
  });
});
