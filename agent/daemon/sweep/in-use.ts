// "Does something still run on this state?" — the rule etcd-data and kubelet-state share, for
// plan, run and verify alike: a process holding an entry of the tree (host/holders.ts: by
// dev+ino), or a listener on the daemon's ports in the host netns (the port report's own check,
// which names the process, container and pod behind each). Either keeps the state in place.
import { findHolders, holderText, type Holder } from '../host/holders';
import { checkPorts } from '../ports/list-ports';
import type { PortOwner } from '../ports/types';
import type { SweepConfig } from './types';

export interface InUse {
  holders: Holder[];
  /** `port 2379 held by pid 812 (etcd --name node1 …, pod kube-system/etcd-node1)` */
  listeners: string[];
}

function ownerText(o: PortOwner): string {
  const pod = o.pod ? `, pod ${o.pod.namespace}/${o.pod.name}` : o.podName ? `, pod ${o.podNamespace}/${o.podName}` : '';
  return `pid ${o.pid} (${o.command.slice(0, 80)}${pod})`;
}

export async function inUse(config: SweepConfig, inodes: ReadonlyMap<string, string>, ports: readonly number[]): Promise<InUse> {
  const holders = inodes.size ? findHolders(inodes, config.procRoot) : [];
  const listeners: string[] = [];
  if (ports.length) {
    const check = await checkPorts(ports, {
      procRoot: config.procRoot,
      containerdAddress: config.containerdAddress,
      containerdNamespace: config.containerdNamespace,
      containerdDirs: config.containerdDirs,
    });
    for (const r of check.ports.filter((x) => x.held)) {
      const owners = r.listeners.flatMap((l) => l.owners);
      listeners.push(`port ${r.port} held by ${owners.length ? owners.map(ownerText).join(', ') : 'a socket with no owner found'}`);
    }
  }
  return { holders, listeners };
}

/** Why the state stays, one phrase per holder and port; empty = nothing runs on it. */
export function inUseReasons(u: InUse): string[] {
  return [...u.holders.map(holderText), ...u.listeners];
}
