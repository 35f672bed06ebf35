/**
 * Opens the HTTP/2 flow-control windows of a grpc-js server's connections (common/rs-wire/service.ts
 * says why). grpc-js has a channel option for this on the client ('grpc-node.flow_control_window')
 * but none on the server, so each new HTTP/2 session of the server's listeners gets the larger
 * connection window and stream window when it starts. Reaches into grpc-js's listener table (pinned
 * version, package-lock.json); when that table is missing the windows stay at HTTP/2's defaults
 * (slower, never wrong) and the server says so once.
 */
import type { Server } from '@grpc/grpc-js';
import type { Http2Server, Http2SecureServer, ServerHttp2Session } from 'node:http2';
import { CONNECTION_WINDOW_BYTES, STREAM_WINDOW_BYTES } from '../../common/rs-wire/service.js';

/** Call after bindAsync resolved (the listeners exist then). Returns the listeners it configured. */
export function widenFlowControlWindows(server: Server, onUnavailable: (reason: string) => void): number {
  const listeners = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(listeners instanceof Map)) {
    onUnavailable('grpc-js keeps no listener table here: HTTP/2 windows stay at 64 KiB');
    return 0;
  }
  let configured = 0;
  for (const listener of listeners.keys() as IterableIterator<Http2Server | Http2SecureServer>) {
    listener.on('session', (session: ServerHttp2Session) => {
      try {
        session.setLocalWindowSize(CONNECTION_WINDOW_BYTES);
        session.settings({ initialWindowSize: STREAM_WINDOW_BYTES });
      } catch {
        // The session closed before it started: nothing to configure.
      }
    });
    configured++;
  }
  return configured;
}
