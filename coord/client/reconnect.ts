/**
 * Where and when CoordClient reconnects: which member to dial next (a NOT_LEADER hint first,
 * then round-robin over the list from a random start), how long to wait before each attempt
 * (bounded exponential backoff with jitter, reset once a link proves stable), and one gRPC
 * channel per member, kept across attempts.
 */
import { credentials, type Client } from '@grpc/grpc-js';
import type { Random } from '../../common/random.js';
import { CHANNEL_OPTIONS, CoordGrpcClient } from './protocol.js';
import { BASE_BACKOFF_MS, ELECTION_POLL_MS, ELECTION_WINDOW_MS, MAX_BACKOFF_MS, STABLE_LINK_MS } from './request-helpers.js';

export class ReconnectPolicy {
  private readonly channels = new Map<string, Client>();
  private leaderHint: string | undefined;
  private serverCursor: number;
  /** Reconnect attempts since the last link that stayed up for STABLE_LINK_MS (drives the backoff). */
  private attempts = 0;
  /** Monotonic time the current link opened. */
  private linkOpenedMs = 0;
  /** When a live member last said an election is under way (NOT_LEADER); -Infinity: not lately. */
  private electionSeenMs = Number.NEGATIVE_INFINITY;
  /** Members that failed to answer at all, and when (a hint naming one is not followed at once). */
  private readonly unreachableAtMs = new Map<string, number>();

  constructor(
    readonly servers: readonly string[],
    private readonly random: Random,
  ) {
    this.serverCursor = random.int(servers.length);
  }

  /** The gRPC channel to a member (one per address, reused across attempts). */
  channelFor(address: string): Client {
    let client = this.channels.get(address);
    if (!client) {
      client = new CoordGrpcClient(address, credentials.createInsecure(), CHANNEL_OPTIONS);
      this.channels.set(address, client);
    }
    return client;
  }

  /** The next member to try: the leader hint first, then round-robin over the list. */
  nextCandidate(): string {
    if (this.leaderHint) {
      const hint = this.leaderHint;
      this.leaderHint = undefined;
      return hint;
    }
    const address = this.servers[this.serverCursor % this.servers.length]!;
    this.serverCursor++;
    return address;
  }

  /**
   * A member that refused with NOT_LEADER named the leader: try it next (unless it named itself,
   * or names a member that did not answer us within the last election window — right after a
   * leader dies, the survivors still name it until they elect another).
   */
  hint(leaderHint: unknown, refusedBy: string, nowMs: number): void {
    if (typeof leaderHint !== 'string' || leaderHint.length === 0 || leaderHint === refusedBy) return;
    const failedAt = this.unreachableAtMs.get(leaderHint);
    if (failedAt !== undefined && nowMs - failedAt < ELECTION_WINDOW_MS) return;
    this.leaderHint = leaderHint;
  }

  /** A live member answered NOT_LEADER: an election is under way. */
  electionUnderWay(nowMs: number): void {
    this.electionSeenMs = nowMs;
  }

  /** A member did not answer at all (refused, reset, timed out). */
  unreachable(address: string, nowMs: number): void {
    this.unreachableAtMs.set(address, nowMs);
  }

  /** Every attempt waits, the first after a dropped connection included; only a handle's very first connection goes at once. */
  shouldWait(everConnected: boolean): boolean {
    return everConnected || this.attempts > 0;
  }

  /**
   * The wait before the next attempt (counted since the last stable link): bounded exponential
   * backoff with jitter, so that many clients losing one member do not come back in lockstep and
   * a member that keeps dropping us is not hammered. The exponent counts whole rounds over the
   * member list (as ZooKeeper's client sleeps only after trying every host): one dead member
   * costs the next one no extra wait. The bound is 25 ms doubling to 1 s, never past a quarter
   * of the session timeout (a returning ensemble grants every session one full timeout, and we
   * must find it in time); for an election window after a live member said an election is under
   * way (NOT_LEADER) it stays at most 50 ms, since the election ends within about that time.
   */
  delayMs(sessionTimeoutMs: number, nowMs: number): number {
    const rounds = Math.floor(this.attempts / Math.max(1, this.servers.length));
    let boundMs = Math.min(MAX_BACKOFF_MS, sessionTimeoutMs / 4, BASE_BACKOFF_MS * 2 ** Math.min(rounds, 16));
    if (nowMs - this.electionSeenMs < ELECTION_WINDOW_MS) boundMs = Math.min(boundMs, ELECTION_POLL_MS);
    return boundMs * (0.5 + this.random.next() / 2);
  }

  attemptStarted(): void {
    this.attempts++;
  }

  linkOpened(nowMs: number): void {
    this.linkOpenedMs = nowMs;
    this.electionSeenMs = Number.NEGATIVE_INFINITY;
    this.unreachableAtMs.clear();
  }

  /** A link that stayed up for STABLE_LINK_MS was a success: the backoff starts over. */
  linkLost(nowMs: number): void {
    if (nowMs - this.linkOpenedMs >= STABLE_LINK_MS) this.attempts = 0;
  }

  close(): void {
    for (const client of this.channels.values()) client.close();
    this.channels.clear();
  }
}
