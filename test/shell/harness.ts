/** Runs shell sources against the in-memory FakeCluster and captures what they print. */
import { Session, type SessionOptions } from '../../shell/session.js';
import { FakeCluster } from './fake-connection.js';

export interface Captured {
  out: string;
  err: string;
  ok: boolean;
}

export function fakeSession(cluster = new FakeCluster(), options: Partial<SessionOptions> = {}): { session: Session; cluster: FakeCluster; take(): { out: string; err: string } } {
  let out = '';
  let err = '';
  const session = new Session({
    connect: async () => cluster.connection(),
    out: { write: (t) => void (out += t) },
    err: { write: (t) => void (err += t) },
    monotonic: () => 0,
    version: '0.1.0',
    ...options,
  });
  return {
    session,
    cluster,
    take() {
      const taken = { out, err };
      out = '';
      err = '';
      return taken;
    },
  };
}

/** Runs each source in turn (as separate prompt lines) and returns everything printed. */
export async function run(sources: string | string[], cluster = new FakeCluster(), options: Partial<SessionOptions> = {}): Promise<Captured> {
  const { session, take } = fakeSession(cluster, options);
  let ok = true;
  for (const source of Array.isArray(sources) ? sources : [sources]) ok = (await session.execute(source)).ok && ok;
  return { ...take(), ok };
}
