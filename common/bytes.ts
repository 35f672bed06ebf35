/** Byte helpers. Row keys, qualifiers and values are Buffers; strings are UTF-8. */

export type Bytes = Buffer;
export type BytesLike = Buffer | Uint8Array | string;

export const EMPTY = Buffer.alloc(0);

export function toBytes(value: BytesLike): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Unsigned lexicographic comparison. A plain JS loop beats Buffer.compare for the short keys
 * of the hot path (PLATFORM.md: 1.6–1.9×); long keys go to the native compare.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  if (n > 64) {
    return Buffer.compare(a, b);
  }
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/** The smallest key strictly greater than every key that starts with `prefix`, or undefined if none. */
export function prefixEnd(prefix: Uint8Array): Buffer | undefined {
  const out = Buffer.from(prefix);
  for (let i = out.length - 1; i >= 0; i--) {
    if (out[i]! < 0xff) {
      out[i] = out[i]! + 1;
      return out.subarray(0, i + 1);
    }
  }
  return undefined;
}

/** The smallest key strictly greater than `key` (append a zero byte). */
export function successor(key: Uint8Array): Buffer {
  const out = Buffer.alloc(key.length + 1);
  out.set(key, 0);
  return out;
}

/** Printable form in HBase's shell style: printable ASCII as is, other bytes as \xNN. */
export function toStringBinary(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) {
    if (b >= 0x20 && b < 0x7f && b !== 0x5c) s += String.fromCharCode(b);
    else s += '\\x' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return s;
}

/** Inverse of toStringBinary: parses \xNN escapes. */
export function fromStringBinary(text: string): Buffer {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\' && text[i + 1] === 'x' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 2, i + 4))) {
      out.push(parseInt(text.slice(i + 2, i + 4), 16));
      i += 3;
    } else {
      for (const b of Buffer.from(text[i]!, 'utf8')) out.push(b);
    }
  }
  return Buffer.from(out);
}
