/** Shared test data and shorthands for the filter tests. */
import type { Cell } from '../../../common/cell.js';
import type { FilterSpec } from '../../../common/filter/spec.js';
import { createFilter, type CreateFilterOptions } from '../../../regionserver/filter/create-filter.js';
import { put, scanWithFilter, type ScanTrace } from './scan-driver.js';

export const b = (text: string): Buffer => Buffer.from(text, 'latin1');

/**
 * Five rows over two families:
 *   row1: cf:a=apple@10  cf:b=banana@10  cf:c=cherry@10  meta:m=x@10
 *   row2: cf:a=avocado@20 cf:a=apricot@10 (two versions)  cf:b=blueberry@10
 *   row3: cf:c=coconut@10  meta:m=y@10
 *   row4: meta:m=z@10
 *   row5: cf:a=apple@10  cf:ab=x@10  cf:b=@10 (empty value)
 */
export function fruitTable(): Cell[] {
  return [
    put('row1', 'cf', 'a', 10, 'apple'),
    put('row1', 'cf', 'b', 10, 'banana'),
    put('row1', 'cf', 'c', 10, 'cherry'),
    put('row1', 'meta', 'm', 10, 'x'),
    put('row2', 'cf', 'a', 20, 'avocado'),
    put('row2', 'cf', 'a', 10, 'apricot'),
    put('row2', 'cf', 'b', 10, 'blueberry'),
    put('row3', 'cf', 'c', 10, 'coconut'),
    put('row3', 'meta', 'm', 10, 'y'),
    put('row4', 'meta', 'm', 10, 'z'),
    put('row5', 'cf', 'a', 10, 'apple'),
    put('row5', 'cf', 'ab', 10, 'x'),
    put('row5', 'cf', 'b', 10, ''),
  ];
}

export function scan(spec: FilterSpec, cells: Cell[] = fruitTable(), options: CreateFilterOptions = {}): ScanTrace {
  return scanWithFilter(createFilter(spec, options), cells);
}
