// Proves that path validation accepts exactly ZooKeeper-shaped absolute paths and names the field.
import { describe, expect, test } from 'vitest';
import { BasaltError, ErrorCodes } from '../../../common/errors.js';
import {
  MAX_PATH_BYTES,
  childPath,
  isValidPath,
  nodeName,
  parentPath,
  selfAndAncestors,
  sequentialSuffix,
  validatePath,
} from '../../../coord/tree/index.js';

describe('validatePath', () => {
  test.each(['/', '/a', '/a/b', '/basalt/rs/host,1234,1', '/ü/日本', '/a.b/..c/...'])('accepts %j', (p) => {
    expect(() => validatePath(p, 'path')).not.toThrow();
  });

  test.each([
    ['', 'empty'],
    ['a', 'relative'],
    ['/a/', 'trailing slash'],
    ['//a', 'empty segment'],
    ['/a//b', 'empty segment'],
    ['/a/./b', 'dot'],
    ['/a/..', 'dot dot'],
    ['/a\u0000b', 'NUL'],
    ['/a\u0007', 'control'],
    ['/a\ud800', 'lone surrogate'],
    ['/' + 'x'.repeat(MAX_PATH_BYTES), 'too long'],
  ])('rejects %j (%s) with INVALID_PATH naming the field', (p) => {
    let caught: unknown;
    try {
      validatePath(p, 'request.path');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BasaltError);
    expect((caught as BasaltError).code).toBe(ErrorCodes.INVALID_PATH);
    expect((caught as BasaltError).details.field).toBe('request.path');
  });

  test('a sequential create may end in a slash (the suffix becomes the name), like ZooKeeper', () => {
    expect(isValidPath('/queue/', true)).toBe(true);
    expect(isValidPath('/queue/', false)).toBe(false);
    expect(isValidPath('/queue//', true)).toBe(false);
  });

  test('non-strings are rejected', () => {
    expect(() => validatePath(42 as unknown as string, 'p')).toThrow(BasaltError);
  });
});

describe('path helpers', () => {
  test('parent, name, child and ancestors', () => {
    expect(parentPath('/a')).toBe('/');
    expect(parentPath('/a/b/c')).toBe('/a/b');
    expect(nodeName('/a/b')).toBe('b');
    expect(childPath('/', 'a')).toBe('/a');
    expect(childPath('/a', 'b')).toBe('/a/b');
    expect(selfAndAncestors('/')).toEqual(['/']);
    expect(selfAndAncestors('/a/b/c')).toEqual(['/', '/a', '/a/b', '/a/b/c']);
  });

  test('the sequential suffix is %010d', () => {
    expect(sequentialSuffix(0)).toBe('0000000000');
    expect(sequentialSuffix(42)).toBe('0000000042');
    expect(sequentialSuffix(2147483647)).toBe('2147483647');
  });
});
