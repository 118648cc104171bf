// Who holds a port, in words: the one description of a listener and its owners, used by the
// agent for a residue's `why` and by the client for its tables and reset summaries. It takes
// the engine's documents and the decoded messages alike (only the fields it reads are typed).

/** The owner fields a description reads (ports/types.ts PortOwner and the decoded message both fit). */
export interface OwnerFacts {
  pid: number;
  command: string;
  containerId?: string;
  containerName?: string;
  pod?: { name: string; namespace: string; kind: string; hostNetwork: boolean } | null;
  podUid?: string;
  residue: boolean;
  residueReason?: string;
  /** From the OCI bundle, when the CRI could not name the pod. */
  podName?: string;
  podNamespace?: string;
}

export interface ListenerFacts {
  protocol: string;
  family: number;
  address: string;
  port: number;
  netns?: { host: boolean; name?: string; inode: number | string } | null;
  owners: readonly OwnerFacts[];
}

export function truncate(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** Container/sandbox ids (64 hex digits) shortened to 13, also inside paths. */
export function shortId(id: string): string {
  if (/^[0-9a-f]{32,}$/.test(id)) return id.slice(0, 13);
  return id.replace(/[0-9a-f]{64}/g, (h) => `${h.slice(0, 12)}…`);
}

/** The netns of a listener: 'host', else its file name, else its inode. */
export function netnsName(l: Pick<ListenerFacts, 'netns'>): string {
  if (!l.netns || l.netns.host) return 'host';
  return l.netns.name ?? String(l.netns.inode);
}

/** `tcp 127.0.0.1:6443`, `udp6 [::]:53 in netns cni-1…` */
export function listenerWhere(l: ListenerFacts): string {
  const where = `${l.protocol}${l.family === 6 ? '6' : ''} ${l.family === 6 ? `[${l.address}]` : l.address}:${l.port}`;
  const ns = netnsName(l);
  return ns === 'host' ? where : `${where} in netns ${ns}`;
}

/** The facts about one port owner: process, container, pod, and why it is residue. */
export function ownerParts(o: OwnerFacts): string[] {
  const parts = [`pid ${o.pid} (${truncate(o.command || '?', 60)})`];
  if (o.containerName || o.containerId) parts.push(`container ${o.containerName || shortId(o.containerId!)}`);
  if (o.pod) {
    const tags = [o.pod.kind, o.pod.hostNetwork ? 'host network' : ''].filter(Boolean).join(', ');
    parts.push(`pod ${o.pod.namespace}/${o.pod.name}${tags ? ` [${tags}]` : ''}`);
  } else if (o.podName) {
    parts.push(`pod ${o.podNamespace || '?'}/${o.podName}`);
  } else if (o.podUid) {
    parts.push(`pod uid ${o.podUid}`);
  }
  if (o.residue) parts.push(`left over${o.residueReason ? `: ${o.residueReason}` : ''}`);
  return parts;
}

/** "pid 812 (busybox httpd -f -p 127.0.0.1:6443), container nginx-proxy, pod kube-system/nginx-proxy-node1 [static, host network]" */
export function describeOwner(o: OwnerFacts): string {
  const parts = ownerParts(o);
  if (!o.residue) return parts.join(', ');
  return `${parts.slice(0, -1).join(', ')} — ${parts[parts.length - 1]}`;
}

/** "tcp 127.0.0.1:6443 held by pid 812 (…), container nginx-proxy, pod kube-system/… — left over: …" */
export function describeListener(l: ListenerFacts): string {
  if (l.owners.length === 0) return `${listenerWhere(l)} held by no process found (a kernel socket, or its owner exited)`;
  return `${listenerWhere(l)} held by ${l.owners.map(describeOwner).join('; ')}`;
}
