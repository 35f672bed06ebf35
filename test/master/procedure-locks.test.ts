/**
 * Proves the procedure locks: shared holders of a table run together (a dead server's regions
 * reopen in parallel), an exclusive holder (DDL) waits for them and they for it, in arrival order.
 */
import { describe, expect, it } from 'vitest';
import { KeyedLocks, SHARED } from '../../master/procedures/executor.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('procedure locks', () => {
  it('lets region procedures of one table hold it together, each with its own region', async () => {
    const locks = new KeyedLocks();
    const a = await locks.acquire(['region:a', `${SHARED}table:t`]);
    const b = await locks.acquire(['region:b', `${SHARED}table:t`]);
    a();
    b();
  });

  it('makes a table procedure wait for the region procedures ahead of it, and later ones wait for it', async () => {
    const locks = new KeyedLocks();
    const order: string[] = [];
    const r1 = await locks.acquire(['region:a', `${SHARED}table:t`]);
    const ddl = locks.acquire(['table:t']).then((release) => (order.push('ddl'), release));
    const r2 = locks.acquire(['region:b', `${SHARED}table:t`]).then((release) => (order.push('r2'), release));
    await tick();
    expect(order).toEqual([]);
    r1();
    const releaseDdl = await ddl;
    await tick();
    expect(order).toEqual(['ddl']);
    releaseDdl();
    (await r2)();
    expect(order).toEqual(['ddl', 'r2']);
  });

  it('serialises two procedures on the same region', async () => {
    const locks = new KeyedLocks();
    const first = await locks.acquire(['region:a', `${SHARED}table:t`]);
    let second = false;
    const pending = locks.acquire(['region:a', `${SHARED}table:t`]).then((r) => ((second = true), r));
    await tick();
    expect(second).toBe(false);
    first();
    (await pending)();
    expect(second).toBe(true);
  });
});
