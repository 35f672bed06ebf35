/** Proves the package contract: a script inside the checkout can `import … from 'basalt'` (the built dist/ through package.json "exports") and gets working classes and connect(), not just names. */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

describe("import from 'basalt'", () => {
  it('resolves the client entry point and its filter language works', async () => {
    const script = [
      "import { connect, CoordClient, RegionServerClient, parseFilter, formatFilter, ErrorCodes, BasaltError } from 'basalt';",
      "const spec = parseFilter(\"PrefixFilter('u') AND ValueFilter(>=, 'binary:m')\");",
      'let code;',
      "try { parseFilter('PrefixFilter(') } catch (err) { code = err instanceof BasaltError ? err.code : 'untyped'; }",
      // Bad options are refused before any connection attempt, with a typed error naming the field.
      "let badCoord; try { await connect({ coord: 'not an address' }) } catch (err) { badCoord = err.code + ':' + err.details.field; }",
      'console.log(JSON.stringify({ connect: typeof connect, coord: typeof CoordClient.connect, rs: typeof RegionServerClient, text: formatFilter(spec), code, notLeader: ErrorCodes.NOT_LEADER, badCoord }));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    const out = JSON.parse(stdout) as Record<string, string>;
    expect(out).toEqual({
      connect: 'function',
      coord: 'function',
      rs: 'function',
      text: "PrefixFilter('u') AND ValueFilter(>=, 'binary:m')",
      code: 'FILTER_PARSE_ERROR',
      notLeader: 'NOT_LEADER',
      badCoord: 'INVALID_ARGUMENT:coord',
    });
  });
});
