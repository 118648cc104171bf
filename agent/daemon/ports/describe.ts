// One line per listener owner, the way an operator asks: "who holds 6443?"
//   127.0.0.1:6443 tcp — pid 3378 busybox httpd … — container nginx-proxy of static pod
//   kube-system/nginx-proxy-node3 (residue: its sandbox 01aa3333f1d4 is gone from the CRI)
import type { Listener, PortOwner } from './types';

export function endpointText(l: Pick<Listener, 'address' | 'port' | 'family'>): string {
  return l.family === 6 ? `[${l.address}]:${l.port}` : `${l.address}:${l.port}`;
}

export function ownerText(o: PortOwner): string {
  const parts = [`pid ${o.pid} ${o.command}`];
  if (o.containerId) {
    const c = o.containerName ? `container ${o.containerName}` : `container ${o.containerId.slice(0, 13)}`;
    if (o.pod) parts.push(`${c} of ${o.pod.kind === 'pod' ? 'pod' : `${o.pod.kind} pod`} ${o.pod.namespace}/${o.pod.name}${o.pod.hostNetwork ? ' (host network)' : ''}`);
    else if (o.podName) parts.push(`${c} of pod ${o.podNamespace ?? '?'}/${o.podName}`);
    else parts.push(c);
  }
  if (o.residue) parts.push(`RESIDUE: ${o.residueReason ?? 'left over'}`);
  return parts.join(' — ');
}

export function describeListener(l: Listener): string[] {
  const head = `${endpointText(l)} ${l.protocol}${l.netns.host ? '' : ` [netns ${l.netns.name ?? l.netns.inode}]`}`;
  if (l.owners.length === 0) return [`${head} — no process holds it (kernel socket, or its owner exited)`];
  return l.owners.map((o) => `${head} — ${ownerText(o)}`);
}
