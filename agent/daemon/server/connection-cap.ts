// The HTTP port's connection cap, without starving the liveness probe. Node's own
// `server.maxConnections` closes every connection beyond the cap at accept, so 1,024 slow
// connections from any local user (headers never finished) would keep /healthz unreachable
// until they time out — and the kubelet would restart a healthy agent. Instead, a connection
// beyond the cap evicts the oldest connection that is not in the middle of a request (one
// whose request never arrived whole, or an idle keep-alive one); only when every connection
// is serving a request is the newcomer closed. A probe's connection is the youngest and
// finishes in milliseconds, so a flood of slow connections can no longer keep it out, and
// the number of open connections never exceeds the cap.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

interface Tracked {
  /** Requests received and not yet answered on this connection. */
  inFlight: number;
}

export interface ConnectionCap {
  /** Connections open now (for tests and metrics). */
  readonly open: number;
  /** Connections closed to make room for a newer one, since start. */
  readonly evicted: number;
}

export function capConnections(server: Server, max: number): ConnectionCap {
  // Insertion order is age order: the first idle entry is the oldest idle connection.
  const sockets = new Map<Socket, Tracked>();
  let evicted = 0;
  server.on('connection', (socket: Socket) => {
    sockets.set(socket, { inFlight: 0 });
    socket.once('close', () => sockets.delete(socket));
    if (sockets.size <= max) return;
    for (const [s, t] of sockets) {
      if (s === socket || t.inFlight > 0) continue;
      sockets.delete(s);
      evicted++;
      s.destroy();
      return;
    }
    sockets.delete(socket);
    socket.destroy();
  });
  server.on('request', (req: { socket: Socket }, res: { once(e: 'close', f: () => void): unknown }) => {
    const t = sockets.get(req.socket);
    if (!t) return;
    t.inFlight++;
    res.once('close', () => t.inFlight--);
  });
  return {
    get open() {
      return sockets.size;
    },
    get evicted() {
      return evicted;
    },
  };
}
