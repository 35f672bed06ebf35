// ESLint: the architecture's rules, checked by `npm test` (docs/data-plane.md, "Layout").
// Scoped on purpose: import direction between roles and purity of the pure cores, not style.
// A rule here must pass on the whole tree; a new violation is a design question, not a lint nit.
import tseslint from 'typescript-eslint';

/** Pure cores (STYLE.md §1, §2): no I/O, no timers, time and randomness through constructors. */
const PURE_CORES = [
  'coord/raft/**/*.ts',
  'coord/tree/**/*.ts',
  'regionserver/storage/versions.ts',
  'regionserver/storage/row-filter.ts',
  'regionserver/region/read-modify-write.ts',
  'regionserver/region/mvcc.ts',
  'regionserver/wal/fencing.ts',
  'regionserver/filter/**/*.ts',
  'master/balancer.ts',
];

const IO_MODULES = ['fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'net', 'node:net', 'http2', 'node:http2', 'child_process', 'node:child_process', 'lmdb', '@grpc/grpc-js'];

/**
 * `files` may not import from the top-level folders `roots` (relative imports climbing to the
 * repository root, e.g. '../../regionserver/x.js'; 'coord/server' names a subfolder).
 */
function forbidImports(files, roots, message) {
  const regex = `^(\\.\\./)+(${roots.map((r) => r.replace('/', '\\/')).join('|')})/`;
  return {
    files,
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ regex, message }] }],
    },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'proto/generated/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser, ecmaVersion: 2023, sourceType: 'module' },
    // Other tools' disable comments (for rules not enabled here) are not this config's business.
    linterOptions: { reportUnusedDisableDirectives: 'off' },
  },
  // Import direction: common/ is shared by every role and imports none of them.
  // (common/http reads coordination status through coord/client: a client library, allowed.)
  forbidImports(['common/**/*.ts'], ['regionserver', 'coord/server', 'coord/raft', 'coord/tree', 'coord/storage', 'master', 'client', 'shell', 'rest', 'bench'], 'common/ is below every role: it imports none of their servers.'),
  // The client talks to servers over the wire only: wire contracts live in common/ and proto/.
  forbidImports(['client/**/*.ts'], ['regionserver', 'coord/server', 'master'], 'client/ reaches servers through wire contracts (common/rs-wire, proto/), never through server code.'),
  // A region server serves data; it never reaches into the master or the client.
  forbidImports(['regionserver/**/*.ts'], ['master', 'client', 'shell', 'rest', 'bench', 'test'], 'regionserver/ does not import the master, the client, the shell, REST, benchmarks or tests.'),
  // Pure cores: no I/O modules, no timers, no wall clock, no global randomness.
  {
    files: PURE_CORES,
    rules: {
      'no-restricted-imports': ['error', { paths: IO_MODULES.map((name) => ({ name, message: 'a pure core does no I/O: pass an adapter in.' })) }],
      'no-restricted-globals': [
        'error',
        ...['setTimeout', 'setInterval', 'setImmediate', 'queueMicrotask', 'fetch', 'performance'].map((name) => ({ name, message: 'a pure core has no timers or clocks: take ticks or a Clock.' })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Date', property: 'now', message: 'time goes in through a Clock (STYLE.md §2).' },
        { object: 'Math', property: 'random', message: 'randomness goes in through a seeded source (STYLE.md §2).' },
        { object: 'process', property: 'hrtime', message: 'time goes in through a Clock (STYLE.md §2).' },
      ],
    },
  },
);
