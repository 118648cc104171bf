// Is anybody answering on a unix socket? A shim whose containerd socket is missing or refuses
// connections belongs to a dead containerd: what it still holds is residue.
import net from 'node:net';

export type Answer = { answering: true } | { answering: false; why: string };

export function socketAnswers(socketPath: string, timeoutMs = 1_000): Promise<Answer> {
  return new Promise((resolve) => {
    const sock = net.connect({ path: socketPath });
    const done = (a: Answer) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(a);
    };
    const timer = setTimeout(() => done({ answering: false, why: `no answer within ${timeoutMs} ms` }), timeoutMs);
    sock.once('connect', () => done({ answering: true }));
    sock.once('error', (err: NodeJS.ErrnoException) =>
      done({
        answering: false,
        why: err.code === 'ENOENT' ? 'the socket does not exist' : err.code === 'ECONNREFUSED' ? 'connection refused' : err.message,
      }),
    );
  });
}
