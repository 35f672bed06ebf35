/**
 * `basalt coord …`: run a coordination member (`start`) and the admin client (`ls`, `get`,
 * `stat`, `create`, `set`, `delete`, `status`). Bad flags exit non-zero with a one-line reason
 * (bin/basalt.ts prints BasaltError as `basalt: CODE: message`).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { BasaltError, ErrorCodes, invalidArgument } from '../common/errors.js';
import { loadConfig } from '../common/config.js';
import { parseIntInRange, parsePort } from '../common/cli-flags.js';
import { createLogger, logReady } from '../common/logger.js';
import { chooseInfoPort } from '../common/http/info-port.js';
import { DEFAULT_COORD_INFO_PORT, mountCoordInfo } from '../common/http/coord-info.js';
import { CoordClient, type Stat } from './client/index.js';
import { parseServers } from './client/protocol.js';
import { fetchMemberStatus } from './client/status.js';
import { CoordServer } from './server/coord-server.js';
import { openMemberStorage } from './server/open-storage.js';
import { deriveClusterId } from './server/peer-auth.js';
import { loadPeerTls, type PeerTlsMaterial } from './server/peer-tls.js';

function parseId(value: string): number {
  return parseIntInRange(value, '--id', 1, 255);
}

/** `1=HOST:PORT,2=HOST:PORT,…` → id → address. */
export function parsePeers(value: string): Map<number, string> {
  const peers = new Map<number, string>();
  for (const part of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^(\d+)=([^\s:=,]+:\d{1,5})$/.exec(part);
    if (!match) throw invalidArgument('--peers', `expected ID=HOST:PORT, got ${JSON.stringify(part)}`);
    const id = parseId(match[1]!);
    if (peers.has(id)) throw invalidArgument('--peers', `member ${id} listed twice`);
    peers.set(id, match[2]!);
  }
  if (peers.size === 0) throw invalidArgument('--peers', 'empty list');
  return peers;
}

interface StartFlags {
  id: string;
  port: string;
  dataDir: string;
  peers?: string;
  host: string;
  config?: string;
  peerSecretFile?: string;
  peerPort?: string;
  peerTlsCert?: string;
  peerTlsKey?: string;
  peerTlsCa?: string;
  clusterToken?: string;
  clusterId?: string;
  join?: boolean;
  infoPort?: string;
}

const PEERS_FILE = 'peers.json';

/** The member list saved after the last configuration change, if any (it wins over --peers). */
function savedPeers(dataDir: string): Map<number, string> | undefined {
  const file = join(dataDir, PEERS_FILE);
  if (!existsSync(file)) return undefined;
  const entries = JSON.parse(readFileSync(file, 'utf8')) as Array<[number, string]>;
  return new Map(entries);
}

function savePeers(dataDir: string, peers: ReadonlyMap<number, string>): void {
  const file = join(dataDir, PEERS_FILE);
  writeFileSync(`${file}.tmp`, JSON.stringify([...peers]));
  renameSync(`${file}.tmp`, file);
}

/**
 * The ensemble's id: read from the data dir, or (first start of a founding member) derived from
 * the founding members and the optional token and written there, so it stays fixed afterwards.
 */
function clusterIdFor(dataDir: string, founders: ReadonlyMap<number, string>, token: string | undefined, given: string | undefined): string {
  const file = join(dataDir, 'cluster-id');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (given !== undefined && given !== stored) throw invalidArgument('--cluster-id', `${given} differs from ${stored} in ${file}`);
    return stored;
  }
  mkdirSync(dataDir, { recursive: true });
  const clusterId = given ?? deriveClusterId(founders, token ?? '');
  writeFileSync(file, `${clusterId}\n`);
  return clusterId;
}

function readPeerSecret(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  let secret: string;
  try {
    secret = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw invalidArgument('--peer-secret-file', `cannot read ${file}: ${(err as Error).message}`);
  }
  if (secret.length < 16) throw invalidArgument('--peer-secret-file', 'the secret must be at least 16 characters');
  return secret;
}

/** The three TLS files, all or none; TLS needs the separate peer port. */
function readPeerTls(flags: StartFlags): PeerTlsMaterial | undefined {
  const given = [flags.peerTlsCert, flags.peerTlsKey, flags.peerTlsCa];
  if (given.every((f) => f === undefined)) return undefined;
  const names = ['--peer-tls-cert', '--peer-tls-key', '--peer-tls-ca'];
  const missing = names.find((_, i) => given[i] === undefined);
  if (missing) throw invalidArgument(missing, 'peer TLS needs --peer-tls-cert, --peer-tls-key and --peer-tls-ca together');
  if (flags.peerPort === undefined) throw invalidArgument('--peer-port', 'peer TLS needs a separate peer port (clients keep the plaintext --port)');
  return loadPeerTls({ certFile: flags.peerTlsCert!, keyFile: flags.peerTlsKey!, caFile: flags.peerTlsCa! });
}

async function startMember(flags: StartFlags): Promise<void> {
  const id = parseId(flags.id);
  const port = parsePort(flags.port);
  const peerPort = flags.peerPort === undefined ? undefined : parsePort(flags.peerPort, '--peer-port');
  if (!flags.dataDir) throw invalidArgument('--data-dir', 'required');
  const peerTls = readPeerTls(flags);
  const config = loadConfig(flags.config);
  let host = flags.host;
  let peers: Map<number, string> | undefined;
  if (flags.peers) {
    peers = parsePeers(flags.peers);
    const self = peers.get(id);
    if (!self) throw invalidArgument('--peers', `does not list this member (--id ${id})`);
    const [selfHost, selfPort] = [self.slice(0, self.lastIndexOf(':')), Number(self.slice(self.lastIndexOf(':') + 1))];
    // The peer list names the port peers dial: the peer port when separate.
    if (peerPort !== undefined && selfPort !== peerPort) throw invalidArgument('--peer-port', `${peerPort} differs from this member's entry in --peers (${self})`);
    if (peerPort === undefined && selfPort !== port) throw invalidArgument('--port', `${port} differs from this member's entry in --peers (${self})`);
    if (peerPort !== undefined && peerPort === port) throw invalidArgument('--peer-port', `must differ from --port (${port})`);
    host = selfHost;
  }
  if (flags.join && (!peers || flags.clusterId === undefined) && !existsSync(join(flags.dataDir, 'cluster-id'))) {
    throw invalidArgument('--join', 'a joining member needs --peers (the members and itself) and --cluster-id (printed by add-member)');
  }
  const server = await CoordServer.listen(host, port, { ...(peerPort !== undefined ? { peerPort } : {}), ...(peerTls ? { peerTls } : {}) });
  const members = (flags.dataDir && savedPeers(flags.dataDir)) || peers || new Map([[id, server.peerAddress]]);
  let storage;
  try {
    // A joining member starts with no configuration: the leader's snapshot brings it.
    storage = await openMemberStorage(flags.dataDir, flags.join ? [] : [...members.keys()]);
  } catch (err) {
    await server.close();
    throw err;
  }
  let stopping = false;
  const stop = async (code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.close().catch(() => undefined);
    process.exit(code);
  };
  const peerSecret = readPeerSecret(flags.peerSecretFile);
  const clusterId = clusterIdFor(flags.dataDir, members, flags.clusterToken, flags.clusterId);
  server.start({
    id,
    peers: members,
    storage,
    config: config.coord,
    onFatal: () => void stop(1),
    clusterId,
    onPeersChanged: (current) => savePeers(flags.dataDir, current),
    ...(peerSecret ? { peerSecret } : {}),
  });
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // Status page and /metrics (common/http/coord-info.ts).
  const info = await mountCoordInfo({ memberAddress: server.address, choice: chooseInfoPort(flags.infoPort, port, DEFAULT_COORD_INFO_PORT), host, log: createLogger('coord') });
  logReady('coord', server.address, {
    id,
    members: members.size,
    dataDir: flags.dataDir,
    ...(server.peerAddress !== server.address ? { peer: server.peerAddress, peerTls: peerTls ? 'on' : 'off' } : {}),
    ...(info ? { info: info.address } : {}),
  });
  // Keep running until a signal arrives.
  await new Promise<never>(() => undefined);
}

interface ClientFlags {
  servers: string;
  ephemeral?: boolean;
  sequential?: boolean;
  version?: string;
  json?: boolean;
}

async function withClient<T>(flags: ClientFlags, body: (client: CoordClient) => Promise<T>): Promise<T> {
  const client = await CoordClient.connect({ servers: parseServers(flags.servers, '--servers'), sessionTimeoutMs: 10_000, initialConnectTimeoutMs: 10_000 });
  try {
    return await body(client);
  } finally {
    await client.close();
  }
}

function parseVersion(value: string | undefined): number {
  if (value === undefined) return -1;
  const v = Number(value);
  if (!Number.isInteger(v) || v < -1) throw invalidArgument('--version', `must be an integer ≥ -1, got ${JSON.stringify(value)}`);
  return v;
}

function printStat(stat: Stat): void {
  for (const [key, value] of Object.entries(stat)) process.stdout.write(`${key} = ${value}\n`);
}

export function register(program: Command): void {
  const coord = program.command('coord').description('the coordination service (a Raft-replicated, ZooKeeper-like tree)');

  coord
    .command('start')
    .description('run one coordination member (no --peers: an ensemble of one)')
    .requiredOption('--id <n>', 'member id, 1..255')
    .requiredOption('--port <port>', 'port for clients (and for peers without --peer-port; 0: ephemeral, only without --peers)')
    .requiredOption('--data-dir <dir>', 'directory for the Raft log and snapshots')
    .option('--peers <list>', 'every member, self included: 1=HOST:PORT,2=HOST:PORT,3=HOST:PORT')
    .option('--host <host>', 'address to bind when --peers is not given', '127.0.0.1')
    .option('--config <file>', 'JSON config file (coord section)')
    .option('--peer-port <port>', 'serve Raft peer traffic on this port instead of --port (then --peers and add-member name peer ports)')
    .option('--peer-tls-cert <file>', "this member's PEM certificate for mutual TLS between members (needs --peer-port)")
    .option('--peer-tls-key <file>', "this member's PEM private key for mutual TLS between members")
    .option('--peer-tls-ca <file>', 'the PEM CA certificate that signed every member (peers without a certificate from it are refused)')
    .option('--peer-secret-file <file>', 'a secret shared by every member (≥ 16 characters): peer streams must prove they know it')
    .option('--cluster-token <token>', 'mixed into the cluster id at bootstrap (tells apart ensembles with the same member list)')
    .option('--info-port <port>', 'status page and /metrics (default 7000; ephemeral with --port 0; -1: off)')
    .option('--join', 'join a running ensemble (start empty, then run add-member): needs --cluster-id')
    .option('--cluster-id <id>', 'the ensemble to join (printed by add-member)')
    .action((flags: StartFlags) => startMember(flags));

  const servers = (cmd: Command): Command => cmd.requiredOption('--servers <list>', 'members: HOST:PORT[,HOST:PORT…]');

  servers(coord.command('add-member <member>').description('add ID=HOST:PORT (its peer port when members use --peer-port) to the live ensemble (start it with --join first): learner, caught up, then voter')).action(
    async (member: string, flags: ClientFlags) => {
      const parsed = parsePeers(member);
      if (parsed.size !== 1) throw invalidArgument('member', 'expected one ID=HOST:PORT');
      const [[memberId, address]] = [...parsed];
      const result = await withClient(flags, (c) => c.addMember(memberId!, address!));
      process.stdout.write(`voters ${result.voters.join(',')} learners ${result.learners.join(',') || '-'} cluster-id ${result.clusterId}\n`);
    },
  );
  servers(coord.command('remove-member <id>').description('remove a member from the live ensemble (the leader too: it steps down)')).action(async (value: string, flags: ClientFlags) => {
    const result = await withClient(flags, (c) => c.removeMember(parseId(value)));
    process.stdout.write(`voters ${result.voters.join(',')} learners ${result.learners.join(',') || '-'}\n`);
  });

  servers(coord.command('ls <path>').description('list the children of a znode')).action(async (path: string, flags: ClientFlags) => {
    const { children } = await withClient(flags, (c) => c.getChildren(path));
    for (const child of children) process.stdout.write(`${child}\n`);
  });

  servers(coord.command('get <path>').description("print a znode's data")).action(async (path: string, flags: ClientFlags) => {
    const { data } = await withClient(flags, (c) => c.getData(path));
    process.stdout.write(`${data.toString('utf8')}\n`);
  });

  servers(coord.command('stat <path>').description("print a znode's stat")).action(async (path: string, flags: ClientFlags) => {
    const stat = await withClient(flags, (c) => c.exists(path));
    if (!stat) throw new BasaltError(ErrorCodes.NO_NODE, `${path} does not exist`, { path });
    printStat(stat);
  });

  servers(coord.command('create <path> [data]').description('create a znode; prints its actual path'))
    .option('--ephemeral', 'deleted when this command exits (its session ends)')
    .option('--sequential', 'append a ten-digit sequence number to the name')
    .action(async (path: string, data: string | undefined, flags: ClientFlags) => {
      const created = await withClient(flags, (c) => c.create(path, data ?? '', { ephemeral: flags.ephemeral ?? false, sequential: flags.sequential ?? false }));
      process.stdout.write(`${created}\n`);
    });

  servers(coord.command('set <path> <data>').description("replace a znode's data"))
    .option('--version <n>', 'expected version (compare-and-set); -1 = any')
    .action(async (path: string, data: string, flags: ClientFlags) => {
      const stat = await withClient(flags, (c) => c.setData(path, data, parseVersion(flags.version)));
      process.stdout.write(`version = ${stat.version}\n`);
    });

  servers(coord.command('delete <path>').description('delete a znode (it must have no children)'))
    .option('--version <n>', 'expected version; -1 = any')
    .action(async (path: string, flags: ClientFlags) => {
      await withClient(flags, (c) => c.delete(path, parseVersion(flags.version)));
    });

  servers(coord.command('status').description("each member's role, term, commit and applied index, sessions, znodes and armed watches"))
    .option('--json', 'print JSON')
    .action(async (flags: ClientFlags) => {
      const addresses = parseServers(flags.servers, '--servers');
      const rows = await Promise.all(
        addresses.map(async (address) => {
          try {
            const s = await fetchMemberStatus(address);
            return { address, id: s.id, role: s.role, term: s.term, commitIndex: s.commitIndex, appliedIndex: s.appliedIndex, leader: s.leaderAddress, sessions: s.sessions, znodes: s.znodes, watches: s.watches };
          } catch (err) {
            return { address, error: `${(err as BasaltError).code ?? 'UNAVAILABLE'}: ${(err as Error).message}` };
          }
        }),
      );
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(rows)}\n`);
        return;
      }
      const { default: Table } = await import('cli-table3');
      const table = new Table({ head: ['address', 'id', 'role', 'term', 'commit', 'applied', 'leader', 'sessions', 'znodes', 'watches'], style: { head: [], border: [] } });
      for (const r of rows) {
        if ('error' in r) table.push([r.address, { colSpan: 9, content: r.error }]);
        // Watches are per member (never replicated): each row counts those armed on that member.
        else table.push([r.address, r.id, r.role, r.term, r.commitIndex, r.appliedIndex, r.leader, r.sessions, r.znodes, r.watches]);
      }
      process.stdout.write(`${table.toString()}\n`);
      if (rows.every((r) => 'error' in r)) throw new BasaltError(ErrorCodes.UNAVAILABLE, 'no member answered');
    });
}
