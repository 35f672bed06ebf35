/**
 * The hot path of the request decoder: a RequestItem carrying a Multi of row mutations (a bulk
 * load) is read straight from its wire bytes. protobufjs would build a message object per cell
 * (and a Buffer per qualifier, a string per family) that RequestDecoder then copies into the
 * region's layout; here the Multi's mutations stay as WireMutation (their bytes) until
 * RequestDecoder.mutation reads them once into the region's MutationCells, through the same checks
 * as a decoded message. Any other request, and any Multi whose layout this reader does not expect,
 * is decoded by protobufjs as before: the result is the same either way (wire-decode.test.ts
 * compares the two on random messages).
 */
import { basalt } from '../../proto/generated/basalt.js';
import { BasaltError, invalidArgument } from '../../common/errors.js';

import pb = basalt.regionserver;

/** A protobuf field read from `buf`: its number, wire type and where its value lies. */
export class WireReader {
  pos: number;

  constructor(
    public buf: Buffer,
    start = 0,
    public end = buf.length,
    /** The field named by a "malformed" error. */
    readonly field = 'frame.items',
  ) {
    this.pos = start;
  }

  /** Points the reader at buf[start, end) (one reader serves every cell: no object per cell). */
  reset(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.pos = start;
    this.end = end;
    return this;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** An unsigned varint as a number (exact below 2^53; larger values lose precision, never wrap). */
  varint(): number {
    let b = this.byte();
    if (b < 128) return b;
    let value = b & 127;
    let scale = 128;
    for (let i = 1; i < 10; i++) {
      b = this.byte();
      value += (b & 127) * scale;
      if (b < 128) return value;
      scale *= 128;
    }
    throw malformed('varint longer than 10 bytes', this.field);
  }

  private byte(): number {
    if (this.pos >= this.end) throw malformed('truncated', this.field);
    return this.buf[this.pos++]!;
  }

  /** A length-delimited value: returns its end and leaves pos at its start. */
  lengthDelimited(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw malformed('length past the end', this.field);
    return end;
  }

  /** Skips a value of `wireType` (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.pos = this.lengthDelimited();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw malformed(`wire type ${wireType}`, this.field);
    if (this.pos > this.end) throw malformed('truncated', this.field);
  }
}

function malformed(why: string, field = 'frame.items'): Error {
  return invalidArgument(field, `malformed message: ${why}`);
}

/**
 * A Mutation still in its wire form. Reading `row` or `cells` decodes it with protobufjs (for code
 * that treats it as any pb.IMutation); RequestDecoder.mutation reads `bytes` directly instead.
 */
export class WireMutation implements pb.IMutation {
  private decoded: pb.Mutation | undefined;

  constructor(readonly bytes: Buffer) {}

  get row(): Uint8Array {
    return this.message().row;
  }

  get cells(): pb.IMutationCell[] {
    return this.message().cells;
  }

  private message(): pb.Mutation {
    this.decoded ??= pb.Mutation.decode(this.bytes);
    return this.decoded;
  }
}

/**
 * Decodes one RequestItem. A Multi is read here (its mutations left as WireMutation); anything
 * else, or a Multi laid out unexpectedly (an op besides it, a field of the wrong wire type), goes
 * to protobufjs. Throws INVALID_ARGUMENT when the bytes are not a message.
 */
export function decodeRequestItem(bytes: Buffer): pb.IRequestItem {
  try {
    return readMulti(bytes) ?? pb.RequestItem.decode(bytes);
  } catch (err) {
    if (err instanceof BasaltError) throw err;
    throw malformed((err as Error).message);
  }
}

function readMulti(bytes: Buffer): pb.IRequestItem | undefined {
  const r = new WireReader(bytes);
  let id = 0;
  let multiStart = -1;
  let multiEnd = -1;
  while (!r.done) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === 0) {
      id = r.varint() >>> 0; // uint32, as protobufjs reads it
    } else if (field === 4 && wireType === 2 && multiStart < 0) {
      multiEnd = r.lengthDelimited();
      multiStart = r.pos;
      r.pos = multiEnd;
    } else if (field <= 8) {
      return undefined; // Another op, a second Multi or an odd wire type: protobufjs decides.
    } else {
      r.skip(wireType);
    }
  }
  if (multiStart < 0) return undefined;
  const m = new WireReader(bytes, multiStart, multiEnd);
  let region = '';
  const actions: pb.IMultiAction[] = [];
  while (!m.done) {
    const tag = m.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === 2) {
      const end = m.lengthDelimited();
      region = bytes.toString('utf8', m.pos, end);
      m.pos = end;
    } else if (field === 2 && wireType === 2) {
      const end = m.lengthDelimited();
      actions.push(readAction(bytes, m.pos, end));
      m.pos = end;
    } else if (field <= 2) {
      return undefined;
    } else {
      m.skip(wireType);
    }
  }
  return { id, multi: { region, actions } };
}

/** One MultiAction: a lone mutation stays wire bytes; any other shape is decoded by protobufjs. */
function readAction(bytes: Buffer, start: number, end: number): pb.IMultiAction {
  const r = new WireReader(bytes, start, end);
  if (!r.done) {
    const tag = r.varint();
    if (tag === 10) {
      const mEnd = r.lengthDelimited();
      if (mEnd === end) return { mutation: new WireMutation(bytes.subarray(r.pos, mEnd)) };
    }
  }
  return pb.MultiAction.decode(bytes.subarray(start, end));
}

const CELL_READER = new WireReader(Buffer.alloc(0));

/** A MutationCell read from the wire into a reused object: the fields protobufjs would set. */
export interface WireCell {
  family: string;
  qualifier: Buffer | null;
  timestamp: number | null;
  type: number;
  value: Buffer | null;
  ttlMs: number | null;
  /** The qualifier is already the QualifierCache's copy. */
  interned: boolean;
}

export function emptyWireCell(): WireCell {
  return { family: '', qualifier: null, timestamp: null, type: 0, value: null, ttlMs: null, interned: false };
}

/** Family names seen in requests, by their bytes: few distinct, so a short list beats decoding. */
export class FamilyNames {
  private readonly names: Array<{ bytes: Buffer; name: string }> = [];

  name(buf: Buffer, start: number, end: number): string {
    const n = end - start;
    for (const entry of this.names) {
      const b = entry.bytes;
      if (b.length !== n) continue;
      let i = 0;
      while (i < n && b[i] === buf[start + i]) i++;
      if (i === n) return entry.name;
    }
    const name = buf.toString('utf8', start, end);
    if (this.names.length < 16 && n <= 64) this.names.push({ bytes: Buffer.from(buf.subarray(start, end)), name });
    return name;
  }
}

/**
 * Reads the MutationCell in buf[start, end) into `cell` (every field reset first). Qualifiers go
 * through `qualifiers` when given (no Buffer made for a qualifier already seen).
 */
export function readWireCell(
  buf: Buffer,
  start: number,
  end: number,
  cell: WireCell,
  families: FamilyNames,
  field: string,
  qualifiers?: { internRange(buf: Buffer, start: number, end: number): Buffer },
): void {
  cell.family = '';
  cell.qualifier = null;
  cell.timestamp = null;
  cell.type = 0;
  cell.value = null;
  cell.ttlMs = null;
  cell.interned = false;
  const r = CELL_READER.reset(buf, start, end);
  while (r.pos < end) {
    const tag = r.varint();
    switch (tag) {
      case 10: {
        const e = r.lengthDelimited();
        cell.family = families.name(buf, r.pos, e);
        r.pos = e;
        break;
      }
      case 18: {
        const e = r.lengthDelimited();
        if (qualifiers) {
          cell.qualifier = qualifiers.internRange(buf, r.pos, e);
          cell.interned = true;
        } else {
          cell.qualifier = buf.subarray(r.pos, e);
        }
        r.pos = e;
        break;
      }
      case 24:
        cell.timestamp = r.varint();
        break;
      case 32:
        cell.type = r.varint() % 2 ** 32; // uint32: protobufjs keeps the low 32 bits
        break;
      case 42: {
        const e = r.lengthDelimited();
        cell.value = buf.subarray(r.pos, e);
        r.pos = e;
        break;
      }
      case 48:
        cell.ttlMs = r.varint();
        break;
      default:
        if (tag >>> 3 >= 1 && tag >>> 3 <= 6) throw invalidArgument(field, 'malformed message: wrong wire type in a cell');
        if (tag >>> 3 === 0) throw invalidArgument(field, 'malformed message: field number 0');
        r.skip(tag & 7);
    }
  }
}
