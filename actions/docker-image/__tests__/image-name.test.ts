import { describe, expect, test } from '@jest/globals';
import { parseImageName, parseRegistry } from '../src/image-name.js';

describe('parseImageName', () => {
  test.each([
    ['ghcr.io/acme/ecommerce-backend', 'ghcr.io', 'acme/ecommerce-backend'],
    ['acme/ecommerce-frontend', 'docker.io', 'acme/ecommerce-frontend'],
    ['registry.example.com:5000/team/shop', 'registry.example.com:5000', 'team/shop'],
    ['localhost/shop', 'localhost', 'shop'],
    [
      '123456789012.dkr.ecr.us-east-1.amazonaws.com/shop',
      '123456789012.dkr.ecr.us-east-1.amazonaws.com',
      'shop'
    ],
    ['index.docker.io/acme/shop', 'docker.io', 'acme/shop']
  ])('%s is registry %s, path %s', (value, registry, path) => {
    expect(parseImageName('image', value)).toEqual({
      registry,
      path,
      fullName: `${registry}/${path}`
    });
  });

  test.each([
    ['a tag', 'acme/shop:v1', 'without a tag'],
    ['a digest', `acme/shop@sha256:${'a'.repeat(64)}`, 'without a digest'],
    ['upper case', 'acme/Shop', 'repository names are lower-case'],
    ['a space', 'acme/my shop', 'is not a valid image name'],
    ['an empty component', 'acme//shop', 'is not a valid image name'],
    ['a trailing separator', 'acme/shop-', 'is not a valid image name']
  ])('an image with %s is refused', (_name, value, message) => {
    expect(() => parseImageName('image', value)).toThrow(message);
  });
});

describe('parseRegistry', () => {
  test('a host, with or without port, lower-cased', () => {
    expect(parseRegistry('registry', 'GHCR.io')).toBe('ghcr.io');
    expect(parseRegistry('registry', 'registry.example.com:5000')).toBe(
      'registry.example.com:5000'
    );
  });
  test.each([
    ['a URL', 'https://ghcr.io', 'without "https://"'],
    ['a path', 'ghcr.io/acme', 'no path'],
    ['an invalid host', 'ghcr_io!', 'not a valid registry host name']
  ])('%s is refused', (_name, value, message) => {
    expect(() => parseRegistry('registry', value)).toThrow(message);
  });
});
