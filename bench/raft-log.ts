/**
 * `basalt bench raft`: figures for the Raft core and its LMDB log storage, printed (and as JSON
 * with --json). Two measurements:
 *   - core: three in-memory RaftNodes exchanging messages synchronously; commands/s committed
 *     and applied on all three, with 1 or 64 proposals per Ready (the server's batching);
 *   - lmdb: one LmdbRaftStorage writing Readys (entries + hard state in one transaction, then
 *     persist() = an fsync); Readys/s and entries/s for 1 and 64 entries per Ready.
 * Never a timed assertion; a tool to choose batch sizes with.
 */
import type { Command } from 'commander';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCommand, positiveInt } from '../common/cli-flags.js';
import { SeededRandom } from '../common/random.js';
import { RaftNode } from '../coord/raft/raft-node.js';
import { EntryType, Role, type Entry, type Message } from '../coord/raft/types.js';
import { LmdbRaftStorage } from '../coord/storage/lmdb-raft-storage.js';
import { MemoryRaftStorage } from '../coord/storage/memory-raft-storage.js';

interface CoreResult {
  proposalsPerReady: number;
  commands: number;
  commandsPerSecond: number;
}

interface LmdbResult {
  entriesPerReady: number;
  readys: number;
  readysPerSecond: number;
  entriesPerSecond: number;
}

function benchCore(commands: number, perReady: number, payloadBytes: number): CoreResult {
  const ids = [1, 2, 3];
  const random = new SeededRandom(1);
  const nodes = new Map<number, { raft: RaftNode; storage: MemoryRaftStorage; applied: number }>();
  for (const id of ids) {
    const storage = MemoryRaftStorage.bootstrap(ids);
    const r = new SeededRandom(random.int(2 ** 31));
    nodes.set(id, {
      storage,
      applied: 0,
      raft: new RaftNode({
        id, electionTicks: 10, heartbeatTicks: 1, storage, applied: 0, maxSizePerMessage: 1024 * 1024,
        maxInflightMessages: 256, preVote: true, checkQuorum: true, random: () => r.next(),
      }),
    });
  }
  const queue: Message[] = [];
  const drain = (): void => {
    for (let progress = true; progress; ) {
      progress = false;
      for (const n of nodes.values()) {
        while (n.raft.hasReady()) {
          progress = true;
          const rd = n.raft.ready();
          if (rd.snapshot) n.storage.applySnapshot(rd.snapshot);
          n.storage.append(rd.entries);
          if (rd.hardState) n.storage.setHardState(rd.hardState);
          queue.push(...rd.messages, ...rd.messagesAfterPersist);
          for (const e of rd.committedEntries) if (e.type === EntryType.Normal) n.applied++;
          n.raft.advance();
        }
      }
      while (queue.length > 0) {
        progress = true;
        const m = queue.shift()!;
        nodes.get(m.to)!.raft.step(m);
      }
    }
  };
  nodes.get(1)!.raft.campaign();
  drain();
  const leader = [...nodes.values()].find((n) => n.raft.role === Role.Leader)!;
  const payload = new Uint8Array(payloadBytes);
  const started = performance.now();
  for (let sent = 0; sent < commands; ) {
    for (let i = 0; i < perReady && sent < commands; i++, sent++) leader.raft.propose(payload);
    drain();
  }
  const seconds = (performance.now() - started) / 1000;
  for (const n of nodes.values()) if (n.applied !== commands) throw new Error(`node applied ${n.applied} of ${commands}`);
  return { proposalsPerReady: perReady, commands, commandsPerSecond: Math.round(commands / seconds) };
}

async function benchLmdb(entries: number, perReady: number, payloadBytes: number): Promise<LmdbResult> {
  const dir = mkdtempSync(join(tmpdir(), 'basalt-raft-bench-'));
  const storage = LmdbRaftStorage.open({ path: dir, bootstrapVoters: [1, 2, 3] });
  try {
    const data = new Uint8Array(payloadBytes);
    let index = storage.lastIndex();
    let readys = 0;
    const started = performance.now();
    for (let written = 0; written < entries; readys++) {
      const batch: Entry[] = [];
      for (let i = 0; i < perReady && written < entries; i++, written++) batch.push({ term: 2, index: ++index, type: EntryType.Normal, data });
      storage.batch(() => {
        storage.append(batch);
        storage.setHardState({ term: 2, vote: 1, commit: index });
      });
      await storage.persist();
    }
    const seconds = (performance.now() - started) / 1000;
    return { entriesPerReady: perReady, readys, readysPerSecond: Math.round(readys / seconds), entriesPerSecond: Math.round(entries / seconds) };
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}



export function register(program: Command): void {
  // Under the shared `bench` parent, beside `bench storage` and `bench coord`.
  benchCommand(program)
    .command('raft')
    .description('measure the Raft core (in memory) and its LMDB log storage')
    .option('--commands <n>', 'commands through the in-memory core per run', positiveInt('--commands'), 20_000)
    .option('--entries <n>', 'entries written to LMDB per run', positiveInt('--entries'), 2_000)
    .option('--payload <bytes>', 'bytes per command', positiveInt('--payload'), 100)
    .option('--json', 'print JSON')
    .action(async (opts: { commands: number; entries: number; payload: number; json?: boolean }) => {
      const core = [1, 64].map((b) => benchCore(opts.commands, b, opts.payload));
      const lmdb: LmdbResult[] = [];
      for (const b of [1, 64]) lmdb.push(await benchLmdb(b === 1 ? Math.min(opts.entries, 500) : opts.entries * 4, b, opts.payload));
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ payloadBytes: opts.payload, core, lmdb })}\n`);
        return;
      }
      for (const r of core) {
        process.stdout.write(`core  3 nodes in memory, ${r.proposalsPerReady} proposals/Ready: ${r.commandsPerSecond} commands/s (${r.commands} commands)\n`);
      }
      for (const r of lmdb) {
        process.stdout.write(
          `lmdb  ${r.entriesPerReady} entries/Ready + hard state, persist each: ${r.readysPerSecond} Readys/s, ${r.entriesPerSecond} entries/s\n`,
        );
      }
    });
}
