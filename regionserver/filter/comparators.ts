/**
 * HBase's byte comparators and CompareFilter's rule. A comparator compares its own operand with
 * the cell's bytes (`operand.compareTo(cellBytes)`, HBase's direction), and `compareFails` reads
 * the operator as "cell op operand": LESS keeps cells whose bytes are less than the operand.
 */
import { compareBytes } from '../../common/bytes.js';
import type { ComparatorSpec, CompareOperator } from '../../common/filter/spec.js';
import { compileFilterPattern } from '../../common/filter/validate.js';

export interface ByteComparator {
  /** < 0 when the operand sorts before `bytes`, 0 when they match, > 0 after. */
  compareTo(bytes: Buffer): number;
}

export function createComparator(spec: ComparatorSpec): ByteComparator {
  switch (spec.type) {
    case 'binary': {
      const operand = spec.value;
      return { compareTo: (bytes) => compareBytes(operand, bytes) };
    }
    case 'binaryPrefix': {
      // Compares with the first operand.length bytes of the cell's bytes (all of them if shorter).
      const operand = spec.value;
      return { compareTo: (bytes) => compareBytes(operand, bytes.subarray(0, Math.min(operand.length, bytes.length))) };
    }
    case 'regexString': {
      // Search anywhere (Java's Matcher.find), bytes read as latin1 as HBase's default charset
      // does, so every byte is one character and binary values can be matched. No 'g' flag:
      // RegExp.test stays stateless.
      const pattern = compileFilterPattern(spec.pattern, 'comparator.pattern');
      return { compareTo: (bytes) => (pattern.test(bytes.toString('latin1')) ? 0 : 1) };
    }
    case 'substring': {
      const needle = spec.substring.toLowerCase();
      return { compareTo: (bytes) => (bytes.toString('utf8').toLowerCase().includes(needle) ? 0 : 1) };
    }
    case 'null':
      // Basalt cells never hold a null value; an empty value is the closest meaning.
      return { compareTo: (bytes) => (bytes.length === 0 ? 0 : 1) };
  }
}

/**
 * HBase's CompareFilter.compare: true when the cell must be filtered OUT. `result` is
 * operand.compareTo(cellBytes), so LESS ("cell < operand") passes when result > 0.
 */
export function compareFails(op: CompareOperator, result: number): boolean {
  switch (op) {
    case 'LESS':
      return result <= 0;
    case 'LESS_OR_EQUAL':
      return result < 0;
    case 'EQUAL':
      return result !== 0;
    case 'NOT_EQUAL':
      return result === 0;
    case 'GREATER_OR_EQUAL':
      return result > 0;
    case 'GREATER':
      return result >= 0;
    case 'NO_OP':
      return true;
  }
}
