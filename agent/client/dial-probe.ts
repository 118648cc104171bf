// One plain connect() to the agent's address before gRPC is asked to: gRPC only says "failed to
// connect before the deadline", after the whole --connect-timeout, whatever went wrong. The OS
// says at once what did: nothing listens (refused), the socket is not ours to open (permission),
// the name does not resolve, there is no route. Those fail now, with that reason; only an address
// that does not answer at all waits out the timeout. A refusal is retried for a short moment, so
// a fan-out that meets an agent in the middle of `systemctl restart` does not give up on it.
import { statSync } from 'node:fs';
import net from 'node:net';
import { ksError } from '../shared/errors';
import type { Endpoint } from '../shared/endpoint';

/** How long a refused connection is retried before the agent is called down. */
export const REFUSED_RETRY_MS = 1000;
const RETRY_EVERY_MS = 200;

type Outcome = { ok: true } | { ok: false; code: string; message: string };

function dialOnce(ep: Endpoint, timeoutMs: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const sock = ep.kind === 'unix' ? net.connect({ path: ep.path }) : net.connect({ host: ep.host, port: ep.port });
    const done = (o: Outcome): void => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', () => undefined);
      sock.destroy();
      resolve(o);
    };
    const timer = setTimeout(() => done({ ok: false, code: 'ETIMEDOUT', message: 'no answer' }), Math.max(1, timeoutMs));
    sock.once('connect', () => done({ ok: true }));
    sock.once('error', (err: NodeJS.ErrnoException) => done({ ok: false, code: err.code ?? 'EUNKNOWN', message: err.message }));
  });
}

function reason(ep: Endpoint, code: string, message: string, waitedMs: number): string {
  const where = ep.kind === 'unix' ? `socket ${ep.path}` : ep.text;
  switch (code) {
    case 'ECONNREFUSED':
      return ep.kind === 'unix'
        ? `connection refused: ${where} is left over from an agent that is no longer running (is kubesweep-agent running?)`
        : `connection refused: nothing listens at ${where} (is kubesweep-agent running with --listen on that address?)`;
    case 'ENOENT':
      return `no agent socket at ${ep.kind === 'unix' ? ep.path : ep.text} (is kubesweep-agent running?)`;
    case 'ENOTSOCK':
      return `${ep.kind === 'unix' ? ep.path : ep.text} is not a socket (is the agent's --listen path right?)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied on ${where}: the agent's socket is for root only (run as root, or use the agent's mTLS address)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return `cannot resolve ${ep.kind === 'tcp' ? ep.host : where}: ${message}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `no route to ${where}: ${message}`;
    case 'ETIMEDOUT':
      return `no answer from ${where} within ${waitedMs / 1000} s`;
    default:
      return `cannot connect to ${where}: ${message}`;
  }
}

/**
 * Resolves when something accepts a connection at the endpoint; rejects with
 * KS_AGENT_UNREACHABLE naming the OS's reason otherwise, by `deadline` at the latest.
 */
export async function dialProbe(ep: Endpoint, deadline: number, now: () => number = Date.now): Promise<void> {
  // A regular file would answer "refused" and be taken for a dead agent's socket: say what it is.
  const notSocket = ep.kind === 'unix' ? socketProblem(ep.path) : undefined;
  if (notSocket) throw ksError('KS_AGENT_UNREACHABLE', reason(ep, notSocket, '', 0), { endpoint: ep.text, errno: notSocket });
  const started = now();
  for (;;) {
    const left = deadline - now();
    const o = left > 0 ? await dialOnce(ep, left) : { ok: false as const, code: 'ETIMEDOUT', message: 'no answer' };
    if (o.ok) return;
    const elapsed = now() - started;
    if (o.code === 'ECONNREFUSED' && elapsed + RETRY_EVERY_MS < Math.min(REFUSED_RETRY_MS, deadline - started)) {
      await new Promise((r) => setTimeout(r, RETRY_EVERY_MS));
      continue;
    }
    throw ksError('KS_AGENT_UNREACHABLE', reason(ep, o.code, o.message, Math.max(0, deadline - started)), {
      endpoint: ep.text,
      errno: o.code,
    });
  }
}

/**
 * ENOENT / ENOTSOCK when the path is certainly no socket; undefined when it is one, or when it
 * cannot be looked at (a non-root caller and the agent's 0700 dir): the dial then says why.
 */
function socketProblem(p: string): 'ENOENT' | 'ENOTSOCK' | undefined {
  try {
    return statSync(p).isSocket() ? undefined : 'ENOTSOCK';
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR' ? 'ENOENT' : undefined;
  }
}
