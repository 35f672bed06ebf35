/**
 * zk_dump: the coordination tree as HBase's zk_dump shows ZooKeeper — the cluster's well-known
 * znodes first, then the tree under /basalt with a short preview of each node's data, then each
 * member's Raft status. Read through the coordination client, never through the master, so that it
 * works while no master is active.
 */
import { toStringBinary } from '../common/bytes.js';
import { isBasaltError } from '../common/errors.js';
import type { CoordClient } from '../coord/client/index.js';
import { fetchMemberStatus } from '../coord/client/status.js';

const ROOT = '/basalt';
/** Bounds, so a dump of a large cluster stays readable (STYLE.md §8). */
const MAX_DEPTH = 4;
const MAX_CHILDREN = 50;
const MAX_PREVIEW = 80;

async function dataOf(client: CoordClient, path: string): Promise<string | undefined> {
  try {
    const { data } = await client.getData(path);
    return preview(data);
  } catch (err) {
    if (isBasaltError(err, 'NO_NODE')) return undefined;
    throw err;
  }
}

function preview(data: Buffer): string {
  const text = toStringBinary(data.subarray(0, MAX_PREVIEW));
  return data.length > MAX_PREVIEW ? `${text}… (${data.length} bytes)` : text;
}

async function children(client: CoordClient, path: string): Promise<string[]> {
  try {
    return (await client.getChildren(path)).children.sort();
  } catch (err) {
    if (isBasaltError(err, 'NO_NODE')) return [];
    throw err;
  }
}

async function walk(client: CoordClient, path: string, depth: number, lines: string[]): Promise<void> {
  const names = await children(client, path);
  for (const name of names.slice(0, MAX_CHILDREN)) {
    const child = path === '/' ? `/${name}` : `${path}/${name}`;
    const data = await dataOf(client, child);
    lines.push(`${'  '.repeat(depth)}${name}${data ? `: ${data}` : ''}`);
    if (depth < MAX_DEPTH) await walk(client, child, depth + 1, lines);
  }
  if (names.length > MAX_CHILDREN) lines.push(`${'  '.repeat(depth)}… ${names.length - MAX_CHILDREN} more`);
}

/** The serverName of a JSON location znode ({"address", "serverName", …}), else its preview. */
async function serverOf(client: CoordClient, path: string): Promise<string | undefined> {
  try {
    const { data } = await client.getData(path);
    const parsed = JSON.parse(data.toString('utf8')) as { serverName?: unknown; address?: unknown };
    if (typeof parsed.serverName === 'string') return parsed.serverName;
    if (typeof parsed.address === 'string') return parsed.address;
    return preview(data);
  } catch (err) {
    if (isBasaltError(err, 'NO_NODE')) return undefined;
    if (err instanceof SyntaxError) return dataOf(client, path);
    throw err;
  }
}

export async function coordinationDump(client: CoordClient, servers: string[]): Promise<string[]> {
  const lines: string[] = [`Basalt is rooted at ${ROOT}`];
  lines.push(`Active master address: ${(await serverOf(client, `${ROOT}/master`)) ?? '(none)'}`);
  lines.push('Backup master addresses:');
  for (const name of await children(client, `${ROOT}/backup-masters`)) lines.push(` ${name}`);
  lines.push(`Region server holding basalt:meta: ${(await serverOf(client, `${ROOT}/meta-region-server`)) ?? '(none)'}`);
  lines.push('Region servers:');
  for (const name of await children(client, `${ROOT}/rs`)) lines.push(` ${name}`);
  lines.push(`Tree under ${ROOT}:`);
  await walk(client, ROOT, 1, lines);
  lines.push('Coordination members:');
  for (const server of servers) {
    try {
      const s = await fetchMemberStatus(server);
      lines.push(` ${server}: id=${s.id} role=${s.role} term=${s.term} commitIndex=${s.commitIndex} sessions=${s.sessions} znodes=${s.znodes}`);
    } catch (err) {
      lines.push(` ${server}: unreachable (${(err as { code?: string }).code ?? (err as Error).message})`);
    }
  }
  return lines;
}
