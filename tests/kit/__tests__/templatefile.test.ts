import { describe, expect, test } from '@jest/globals';
import {
  renderTemplatefile,
  renderWithTerraform,
  TemplateError,
  templateVariables,
  terraformAvailable
} from '../templatefile.js';

// The renderer's semantics, each case also rendered by a real Terraform when one is on PATH
// (none on a fresh machine: then only the expectations written here are checked).
const CASES: {
  name: string;
  template: string;
  vars: Record<string, string | number | boolean>;
  expected: string;
}[] = [
  {
    name: 'plain variables',
    template: 'image: ${image}\n',
    vars: { image: 'a/b:1' },
    expected: 'image: a/b:1\n'
  },
  {
    name: 'numbers and bools as Terraform prints them',
    template: '${port} ${ratio} ${on}',
    vars: { port: 5432, ratio: 1.5, on: true },
    expected: '5432 1.5 true'
  },
  { name: 'spaces inside the braces', template: '${ name }', vars: { name: 'x' }, expected: 'x' },
  { name: '$${ is a literal ${', template: 'a $${HOME} b', vars: {}, expected: 'a ${HOME} b' },
  { name: '%%{ is a literal %{', template: 'a %%{ b', vars: {}, expected: 'a %{ b' },
  {
    name: 'a lone $ or $$ stays',
    template: 'cost $5 and $$ and $x',
    vars: {},
    expected: 'cost $5 and $$ and $x'
  },
  {
    name: 'strip markers trim the adjacent line of each literal',
    template: 'a \n ${~ v ~} \n b',
    vars: { v: 'X' },
    expected: 'a \nX b'
  },
  {
    name: 'a strip marker after a newline-ended literal takes that newline',
    template: 'x \n${~v}',
    vars: { v: 'Y' },
    expected: 'xY'
  },
  {
    name: 'a closing strip marker takes one line break only',
    template: '${v~}  \n\n  z',
    vars: { v: 'Y' },
    expected: 'Y\n  z'
  },
  {
    name: 'values are not re-interpreted',
    template: '${v}',
    vars: { v: '$${not} ${again}' },
    expected: '$${not} ${again}'
  },
  {
    name: 'unused variables are allowed',
    template: 'static',
    vars: { unused: 'x' },
    expected: 'static'
  }
];

describe('renderTemplatefile', () => {
  test.each(CASES)('$name', ({ template, vars, expected }) => {
    expect(renderTemplatefile(template, vars)).toBe(expected);
  });

  test('a missing variable is an error naming it and where it is used', () => {
    expect(() => renderTemplatefile('a\n  ${db_name}', {}, 'compose.yml')).toThrow(
      'vars map does not contain key "db_name", referenced at compose.yml:2,3.'
    );
  });

  test('an expression is rejected as unsupported, not evaluated', () => {
    expect(() => renderTemplatefile('${upper(x)}', { x: 'a' })).toThrow(TemplateError);
    expect(() => renderTemplatefile('${upper(x)}', { x: 'a' })).toThrow(
      'only plain variable references are supported'
    );
  });

  test('a %{ } directive is rejected as unsupported', () => {
    expect(() => renderTemplatefile('%{ if x }y%{ endif }', { x: true })).toThrow(
      'template directives (%{ ... }) are not supported'
    );
  });

  test('an unclosed interpolation is an error', () => {
    expect(() => renderTemplatefile('a ${b', { b: '1' })).toThrow('unclosed "${"');
  });

  test('an invalid variable name is an error', () => {
    expect(() => renderTemplatefile('x', { 'bad name': '1' })).toThrow(
      'Invalid template variable name "bad name"'
    );
  });

  test('templateVariables lists the names a template uses, escapes excluded', () => {
    expect(templateVariables('${a} $${b} ${ c } ${~d~} ${a}')).toEqual(['a', 'c', 'd']);
  });
});

describe("renderTemplatefile on the Prometheus templates' idioms", () => {
  test('$${ becomes ${ and plain variables are substituted', () => {
    expect(renderTemplatefile('a: ${x}\nb: $${1}\nc: $1', { x: 'y' })).toBe('a: y\nb: ${1}\nc: $1');
  });
  test('a missing variable gets a TemplateError naming it', () => {
    expect(() => renderTemplatefile('region: ${region}', {})).toThrow(TemplateError);
    expect(() => renderTemplatefile('region: ${region}', {})).toThrow(
      'vars map does not contain key "region"'
    );
  });
  test('an expression or a directive gets a TemplateError', () => {
    expect(() => renderTemplatefile('${var.region}', { region: 'x' })).toThrow(TemplateError);
    expect(() => renderTemplatefile('%{ if x }y%{ endif }', {})).toThrow(/directives/);
  });
});

const terraform = terraformAvailable();

describe('cross-check with a real terraform console', () => {
  if (!terraform) {
    test('skipped: no terraform binary on PATH (optional; the cases above still ran)', () => {
      console.log('terraform is not on PATH: skipping the terraform console cross-check');
    });
    return;
  }
  test.each(CASES)('terraform renders "$name" the same', ({ template, vars }) => {
    expect(renderWithTerraform(template, vars)).toBe(renderTemplatefile(template, vars));
  });
});
