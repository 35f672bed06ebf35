/**
 * CoordStateMachine: the coordination service's replicated state machine (API skeleton; the
 * implementation follows in the next commits).
 */
import { BasaltError, ErrorCodes } from '../../common/errors.js';
import type {
  AddWatchMode,
  ApplyResult,
  CoordCommand,
  CoordRead,
  ReadResult,
  SessionId,
  StateMachineOptions,
  WatchEvent,
  WatcherType,
  WatchSet,
  Zxid,
} from './types.js';

function notYet(): never {
  throw new BasaltError(ErrorCodes.INTERNAL, 'coord/tree: not implemented yet');
}

export class CoordStateMachine {
  constructor(readonly options: StateMachineOptions) {}

  /** Applies one committed command; `index` (the Raft log index) becomes its zxid. */
  apply(_index: number, _command: CoordCommand): ApplyResult {
    return notYet();
  }

  /** A local read (after read-index); may register a one-shot watch for `request.sessionId`. */
  read(_request: CoordRead): ReadResult {
    return notYet();
  }

  /** ZooKeeper 3.6 addWatch: a persistent (optionally recursive) watch for a session. */
  addWatch(_sessionId: SessionId, _path: string, _mode: AddWatchMode): void {
    notYet();
  }

  removeWatches(_sessionId: SessionId, _path: string, _type: WatcherType): boolean {
    return notYet();
  }

  /** ZooKeeper's SetWatches: re-arms after reconnect; returns events for changes after relativeZxid. */
  setWatches(_sessionId: SessionId, _relativeZxid: Zxid, _watches: WatchSet): WatchEvent[] {
    return notYet();
  }

  /** The last applied zxid. */
  get lastZxid(): Zxid {
    return notYet();
  }

  snapshot(): Uint8Array {
    return notYet();
  }

  static restore(_bytes: Uint8Array, _options: StateMachineOptions): CoordStateMachine {
    return notYet();
  }
}
