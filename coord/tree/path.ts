/**
 * Znode path rules, shared by the state machine, the server (before proposing) and the client
 * (before sending): a bad path fails the same way everywhere, with INVALID_PATH naming the field.
 */
import { BasaltError, ErrorCodes } from '../../common/errors.js';

/** Longest accepted path, in UTF-8 bytes. ZooKeeper has no explicit limit; we bound it. */
export const MAX_PATH_BYTES = 4096;

/** Width of the sequential suffix: ZooKeeper's `%010d`. */
export const SEQUENTIAL_SUFFIX_DIGITS = 10;

function invalidPath(field: string, path: string, reason: string): BasaltError {
  return new BasaltError(ErrorCodes.INVALID_PATH, `${field}: invalid path ${JSON.stringify(path.slice(0, 200))}: ${reason}`, {
    field,
    reason,
  });
}

/**
 * Throws INVALID_PATH (details.field = `field`) unless `path` is absolute, has no trailing `/`
 * (except the root), no empty, `.` or `..` segment, no control characters and is at most
 * MAX_PATH_BYTES long. `sequential`: a sequential create may end in `/` (the suffix becomes the
 * last segment's name), as ZooKeeper allows.
 */
export function validatePath(path: unknown, field = 'path', sequential = false): asserts path is string {
  if (typeof path !== 'string') {
    throw invalidPath(field, String(path), 'not a string');
  }
  const checked = sequential ? path + '0'.repeat(SEQUENTIAL_SUFFIX_DIGITS) : path;
  if (checked.length === 0) throw invalidPath(field, path, 'empty');
  if (checked[0] !== '/') throw invalidPath(field, path, 'must start with /');
  if (Buffer.byteLength(checked, 'utf8') > MAX_PATH_BYTES) throw invalidPath(field, path, `longer than ${MAX_PATH_BYTES} bytes`);
  if (checked === '/') return;
  if (checked.endsWith('/')) throw invalidPath(field, path, 'must not end with /');
  for (let i = 0; i < checked.length; i++) {
    const c = checked.charCodeAt(i);
    // NUL and other control characters; lone surrogates (not valid UTF-8), as ZooKeeper refuses.
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) throw invalidPath(field, path, `control character at ${i}`);
    if (c >= 0xd800 && c <= 0xdfff) {
      const next = checked.charCodeAt(i + 1);
      const pair = c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff;
      if (!pair) throw invalidPath(field, path, `lone surrogate at ${i}`);
      i++;
    }
  }
  const segments = checked.split('/');
  for (let i = 1; i < segments.length; i++) {
    const s = segments[i];
    if (s === '') throw invalidPath(field, path, 'empty segment');
    if (s === '.' || s === '..') throw invalidPath(field, path, `relative segment ${s}`);
  }
}

/** True when validatePath would accept it. */
export function isValidPath(path: string, sequential = false): boolean {
  try {
    validatePath(path, 'path', sequential);
    return true;
  } catch {
    return false;
  }
}

/** Parent of a valid non-root path ("/a/b" → "/a", "/a" → "/"). */
export function parentPath(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** Last segment of a valid non-root path ("/a/b" → "b"). */
export function nodeName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Child path of a parent ("/", "a" → "/a"; "/a", "b" → "/a/b"). */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`;
}

/** `%010d` of a sequence counter, as ZooKeeper formats it (negative after int overflow, like ZooKeeper). */
export function sequentialSuffix(counter: number): string {
  const c = counter | 0;
  return c < 0 ? '-' + String(-c).padStart(SEQUENTIAL_SUFFIX_DIGITS - 1, '0') : String(c).padStart(SEQUENTIAL_SUFFIX_DIGITS, '0');
}

/** Ancestors of a path from the root down to (and including) the path itself. */
export function selfAndAncestors(path: string): string[] {
  const out = ['/'];
  if (path === '/') return out;
  let i = 0;
  while ((i = path.indexOf('/', i + 1)) !== -1) out.push(path.slice(0, i));
  out.push(path);
  return out;
}
