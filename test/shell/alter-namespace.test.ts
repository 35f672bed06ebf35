/** alter_namespace as HBase's shell: METHOD => 'set' adds or changes properties, METHOD => 'unset' removes one, several hashes apply in order. */
import { describe, expect, it } from 'vitest';
import { FakeCluster } from './fake-connection.js';
import { run } from './harness.js';

const TOOK = 'Took 0.0000 seconds';

describe('alter_namespace', () => {
  it('sets, changes and unsets namespace properties', async () => {
    const cluster = new FakeCluster();
    const { out, err } = await run(
      [
        "create_namespace 'ns1', {'owner' => 'ada', 'tier' => 'gold'}",
        "alter_namespace 'ns1', {METHOD => 'set', 'owner' => 'grace', 'quota' => 10}",
        "describe_namespace 'ns1'",
        "alter_namespace 'ns1', {METHOD => 'unset', NAME => 'tier'}",
        "describe_namespace 'ns1'",
        "alter_namespace 'ns1', {METHOD => 'set', 'a' => 'b'}, {METHOD => 'unset', NAME => 'a'}",
        "describe_namespace 'ns1'",
      ],
      cluster,
    );
    expect(err).toBe('');
    expect(out).toBe(
      [
        TOOK,
        TOOK,
        'DESCRIPTION', "{NAME => 'ns1', owner => 'grace', tier => 'gold', quota => '10'}", TOOK,
        TOOK,
        'DESCRIPTION', "{NAME => 'ns1', owner => 'grace', quota => '10'}", TOOK,
        TOOK,
        'DESCRIPTION', "{NAME => 'ns1', owner => 'grace', quota => '10'}", TOOK,
        '',
      ].join('\n'),
    );
    expect(cluster.namespaces.get('ns1')).toEqual({ owner: 'grace', quota: '10' });
  });

  it('refuses a missing or unknown METHOD, an unset without NAME and a missing namespace, changing nothing', async () => {
    const cluster = new FakeCluster();
    await run(["create_namespace 'ns1', {'owner' => 'ada'}"], cluster);
    for (const [line, reason] of [
      ["alter_namespace 'ns1', {'owner' => 'x'}", /METHOD/],
      ["alter_namespace 'ns1', {METHOD => 'replace', 'owner' => 'x'}", /unknown method replace/],
      ["alter_namespace 'ns1', {METHOD => 'unset'}", /NAME/],
      ["alter_namespace 'ns1'", /takes 2 argument/],
      ["alter_namespace 'nope', {METHOD => 'set', 'a' => 'b'}", /nope/],
    ] as const) {
      const { err } = await run([line], cluster);
      expect(err, line).toMatch(reason);
    }
    expect(cluster.namespaces.get('ns1')).toEqual({ owner: 'ada' });
  });
});
