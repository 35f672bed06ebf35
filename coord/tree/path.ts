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
 * Throws INVALID_PATH (details.field = `field`) unless `path` passes ZooKeeper's
 * `PathUtils.validatePath` exactly: absolute, no trailing `/` (except the root), no empty, `.` or
 * `..` segment, and none of the characters ZooKeeper forbids — NUL, U+0001–U+001F, U+007F–U+009F,
 * U+D800–U+F8FF (every surrogate, so no character outside the BMP, and the private use area) and
 * U+FFF0–U+FFFF. Basalt adds one bound: at most MAX_PATH_BYTES of UTF-8. `sequential`: the path
 * is checked with the suffix appended (ZooKeeper appends "1"), so a sequential create may end in
 * `/` — the suffix becomes the last segment's name.
 */
export function validatePath(path: unknown, field = 'path', sequential = false): asserts path is string {
  if (typeof path !== 'string') {
    throw invalidPath(field, String(path), 'not a string');
  }
  const checked = sequential ? path + '0'.repeat(SEQUENTIAL_SUFFIX_DIGITS) : path;
  if (checked.length === 0) throw invalidPath(field, path, 'empty');
  if (checked.charCodeAt(0) !== 0x2f) throw invalidPath(field, path, 'must start with /');
  if (checked.length === 1) return;
  if (checked.charCodeAt(checked.length - 1) === 0x2f) throw invalidPath(field, path, 'must not end with /');
  let last = 0x2f;
  for (let i = 1; i < checked.length; last = checked.charCodeAt(i), i++) {
    const c = checked.charCodeAt(i);
    const endOfSegment = i + 1 === checked.length || checked.charCodeAt(i + 1) === 0x2f;
    if (c === 0) throw invalidPath(field, path, `null character at ${i}`);
    if (c === 0x2f && last === 0x2f) throw invalidPath(field, path, `empty segment at ${i}`);
    if (c === 0x2e && last === 0x2e) {
      if (checked.charCodeAt(i - 2) === 0x2f && endOfSegment) throw invalidPath(field, path, `relative segment .. at ${i}`);
    } else if (c === 0x2e) {
      if (last === 0x2f && endOfSegment) throw invalidPath(field, path, `relative segment . at ${i}`);
    } else if (c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0) {
      throw invalidPath(field, path, `invalid character U+${c.toString(16).toUpperCase().padStart(4, '0')} at ${i}`);
    }
  }
  if (Buffer.byteLength(checked, 'utf8') > MAX_PATH_BYTES) throw invalidPath(field, path, `longer than ${MAX_PATH_BYTES} bytes`);
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
