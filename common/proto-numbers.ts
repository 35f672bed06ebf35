/**
 * 64-bit protobuf fields as JS numbers. proto/generated/basalt.js decodes them as plain numbers
 * (the generator sets `$protobuf.util.Long = undefined`), but a Long-like object (one with
 * `toNumber()`) is still accepted, in case a message was built by another protobufjs setup.
 * Past 2^53 a Long loses precision here; callers that check ranges then reject the value.
 */

interface LongLike {
  toNumber(): number;
}

function isLongLike(value: unknown): value is LongLike {
  return typeof value === 'object' && value !== null && typeof (value as { toNumber?: unknown }).toNumber === 'function';
}

/** A Long-like value as a number; anything else unchanged, for the caller's validation to judge. */
export function int64Value(value: unknown): unknown {
  return isLongLike(value) ? value.toNumber() : value;
}

/** A 64-bit field as a number: absent (null or undefined) is 0, anything else goes through Number(). */
export function int64ToNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (value === null || value === undefined) return 0;
  return isLongLike(value) ? value.toNumber() : Number(value);
}
