// The CRI endpoint when none is configured: the known sockets are asked (CRI Version), and
// exactly one must answer. Two answering would mean two runtimes on the node, and guessing
// which one's pods to remove is not a destructive tool's call to make.
import { realpathSync } from 'node:fs';
import { ksError } from '../../shared/errors';
import { unixSocketPath } from '../../shared/endpoint';

/**
 * containerd's default (kubeadm, Kubespray), and k3s's embedded containerd — rke2 runs its
 * containerd at the same path (its docs' crictl config: unix:///run/k3s/containerd/containerd.sock).
 */
export const KNOWN_CRI_ENDPOINTS: readonly string[] = Object.freeze([
  'unix:///run/containerd/containerd.sock',
  'unix:///run/k3s/containerd/containerd.sock',
]);

/** Resolves true when a CRI runtime answers on the endpoint (within the probe's own deadline). */
export type EndpointProbe = (endpoint: string) => Promise<boolean>;

export interface Detected {
  endpoint: string;
  /** 'detected': the one that answered; 'learned': none answered, the one this agent learned from last. */
  source: 'detected' | 'learned';
}

/** The real probe: a CRI Version call with a short deadline. */
export const criProbe =
  (timeoutMs = 2000): EndpointProbe =>
  async (endpoint) => {
    const { CriClient } = require('../cri/client') as typeof import('../cri/client');
    const c = new CriClient({ endpoint, timeoutMs });
    try {
      await c.version();
      return true;
    } catch {
      return false;
    } finally {
      c.close();
    }
  };

/**
 * Ask every candidate at once. One answering: it. None: the endpoint learned last, when it is
 * a candidate (containerd is down, the seed's situation); else refused. More than one (after
 * symlinks to one socket are counted once): refused.
 */
export async function detectCriEndpoint(candidates: readonly string[], probe: EndpointProbe, learnedEndpoint?: string): Promise<Detected> {
  const answers = await Promise.all(candidates.map(async (c) => ((await probe(c)) ? c : undefined)));
  const byTarget = new Map<string, string>();
  for (const c of answers) if (c !== undefined && !byTarget.has(real(c))) byTarget.set(real(c), c);
  const answered = [...byTarget.values()];
  if (answered.length === 1) return { endpoint: answered[0], source: 'detected' };
  if (answered.length === 0 && learnedEndpoint !== undefined && candidates.includes(learnedEndpoint))
    return { endpoint: learnedEndpoint, source: 'learned' };
  const why =
    answered.length === 0
      ? `none of the known CRI sockets answers (${candidates.join(', ')})`
      : `more than one CRI socket answers (${answered.join(', ')}): which runtime's pods to remove is not guessed`;
  throw ksError('KS_CRI_ENDPOINT_UNKNOWN', `no --cri-endpoint given and ${why}; set --cri-endpoint`, {
    candidates: [...candidates],
    answered,
  });
}

function real(endpoint: string): string {
  const p = unixSocketPath(endpoint) ?? endpoint;
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}
