/** One unary Status call to a member (admin tools, drills, the benchmark). */
import { credentials } from '@grpc/grpc-js';
import { fromGrpcError } from '../../common/grpc-errors.js';
import { CHANNEL_OPTIONS, CoordGrpcClient, type StatusResponse } from './protocol.js';

export interface MemberStatus {
  id: number;
  address: string;
  role: string;
  term: number;
  commitIndex: number;
  appliedIndex: number;
  leaderId: number;
  leaderAddress: string;
  sessions: number;
  znodes: number;
  /** Watches armed on this member (watches are per member, never replicated). */
  watches: number;
  /** Commands this member proposed to Raft while leading (client writes and session housekeeping). */
  proposalsTotal: number;
}

export async function fetchMemberStatus(address: string, timeoutMs = 3_000): Promise<MemberStatus> {
  const client = new CoordGrpcClient(address, credentials.createInsecure(), CHANNEL_OPTIONS) as InstanceType<typeof CoordGrpcClient> & {
    status(request: object, options: { deadline: number }, callback: (err: Error | null, response?: StatusResponse) => void): void;
  };
  try {
    const s = await new Promise<StatusResponse>((resolve, reject) => {
      client.status({}, { deadline: Date.now() + timeoutMs }, (err, response) => (err ? reject(fromGrpcError(err)) : resolve(response!)));
    });
    return {
      id: s.id ?? 0,
      address: s.address ?? address,
      role: s.role ?? '',
      term: Number(s.term ?? 0),
      commitIndex: Number(s.commitIndex ?? 0),
      appliedIndex: Number(s.appliedIndex ?? 0),
      leaderId: s.leaderId ?? 0,
      leaderAddress: s.leaderAddress ?? '',
      sessions: s.sessions ?? 0,
      znodes: s.znodes ?? 0,
      watches: s.watches ?? 0,
      proposalsTotal: Number(s.proposalsTotal ?? 0),
    };
  } finally {
    client.close();
  }
}
