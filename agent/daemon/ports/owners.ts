// pid → who it is: command, container (cgroup), shim (process tree), pod (CRI snapshot, or the
// OCI bundle when the CRI no longer knows it), and whether it is residue.
import { readFileSync } from 'node:fs';
import { netnsInodeOf, parseStat, readCmdline, type ProcStat } from '../host/proc';
import { parseShimCmdline, type ShimCmdline } from '../host/shim';
import { taskBundleOf } from '../host/shimless';
import { readBundleAt, readBundleFacts } from './bundle';
import { parseCgroup } from './cgroup';
import { podKindOfSandbox, type CriSnapshot } from './cri-index';
import { socketAnswers, type Answer } from './socket-answers';
import type { PortOwner } from './types';

const MAX_COMMAND = 512;
const MAX_TREE_DEPTH = 64;

interface ProcFacts {
  stat: ProcStat;
  argv: string[];
}

export interface OwnerContext {
  procRoot: string;
  cri: CriSnapshot;
  hostNetnsInode: number | undefined;
  /** Our containerd's socket (normalized); shims reporting elsewhere belong to another runtime. */
  containerdAddress?: string;
  /**
   * Our containerd namespace ('k8s.io'). Docker runs its containers in the same containerd
   * under 'moby': same socket, not the CRI's, so they must not be judged against the CRI.
   */
  containerdNamespace: string;
  /** containerd's root and state dirs, where a container whose shim is gone still has its task bundle. */
  containerdDirs?: readonly string[];
}

/**
 * Resolves owners for one report. Memoizes /proc reads and socket checks for the report's
 * lifetime only: create one per report, never keep it.
 */
export class OwnerResolver {
  private readonly procs = new Map<number, ProcFacts | null>();
  private readonly answers = new Map<string, Promise<Answer>>();
  private readonly owners = new Map<number, Promise<PortOwner>>();

  constructor(private readonly ctx: OwnerContext) {}

  owner(pid: number): Promise<PortOwner> {
    let p = this.owners.get(pid);
    if (!p) {
      p = this.resolve(pid);
      this.owners.set(pid, p);
    }
    return p;
  }

  private proc(pid: number): ProcFacts | undefined {
    const hit = this.procs.get(pid);
    if (hit !== undefined) return hit ?? undefined;
    let facts: ProcFacts | null = null;
    try {
      const stat = parseStat(readFileSync(`${this.ctx.procRoot}/${pid}/stat`, 'utf8'));
      if (stat) facts = { stat, argv: readCmdline(pid, this.ctx.procRoot) };
    } catch {
      facts = null; // exited meanwhile
    }
    this.procs.set(pid, facts);
    return facts ?? undefined;
  }

  /** The nearest ancestor that is a containerd shim. */
  private shimOf(pid: number): { pid: number; shim: ShimCmdline } | undefined {
    let cur = this.proc(pid)?.stat.ppid;
    for (let depth = 0; cur && cur > 1 && depth < MAX_TREE_DEPTH; depth++) {
      const p = this.proc(cur);
      if (!p) return undefined;
      const shim = parseShimCmdline(p.argv);
      if (shim) return { pid: cur, shim };
      cur = p.stat.ppid;
    }
    return undefined;
  }

  private answer(address: string): Promise<Answer> {
    let a = this.answers.get(address);
    if (!a) {
      a = socketAnswers(address);
      this.answers.set(address, a);
    }
    return a;
  }

  private async resolve(pid: number): Promise<PortOwner> {
    const p = this.proc(pid);
    const command = p ? commandOf(p) : '(exited)';
    const owner: PortOwner = { pid, command, residue: false };
    let cgroupText: string;
    try {
      cgroupText = readFileSync(`${this.ctx.procRoot}/${pid}/cgroup`, 'utf8');
    } catch {
      return owner;
    }
    const ids = parseCgroup(cgroupText);
    if (ids.podUid) owner.podUid = ids.podUid;
    const shim = this.shimOf(pid);
    if (shim) {
      owner.shimPid = shim.pid;
      owner.shimAddress = shim.shim.address;
    }
    if (!ids.containerId) return owner;
    const containerId = ids.containerId;
    owner.containerId = containerId;

    const ours =
      !shim ||
      ((this.ctx.containerdAddress === undefined || shim.shim.address === this.ctx.containerdAddress) &&
        shim.shim.namespace === this.ctx.containerdNamespace);
    const reasons: string[] = [];
    // No shim above it, yet containerd has a task bundle for its container in our namespace:
    // a container whose shim was killed or crashed. Nothing will ever stop it.
    const bundle =
      !shim && this.ctx.containerdDirs?.length
        ? taskBundleOf(containerId, this.ctx.containerdDirs, this.ctx.containerdNamespace)
        : undefined;
    if (bundle) reasons.push(`shim gone: container ${short(containerId)} runs with no shim (its task bundle is in ${bundle})`);

    // A shim keeps its containers running after its containerd is gone; nothing will ever stop them.
    if (shim) {
      const a = await this.answer(shim.shim.address);
      if (!a.answering) reasons.push(`its shim (pid ${shim.pid}) reports to containerd at ${shim.shim.address}, which is gone (${a.why})`);
    }

    const cri = this.ctx.cri;
    if (ours && cri.ok) {
      const c = cri.index.containers.get(containerId);
      const sandboxId = c?.podSandboxId ?? (cri.index.sandboxes.has(containerId) ? containerId : undefined);
      const sandbox = sandboxId ? cri.index.sandboxes.get(sandboxId) : undefined;
      if (c?.metadata?.name) owner.containerName = c.metadata.name;
      if (sandbox?.metadata) {
        const m = sandbox.metadata;
        const ns = netnsInodeOf(pid, this.ctx.procRoot);
        owner.pod = {
          name: m.name,
          namespace: m.namespace,
          uid: m.uid,
          kind: podKindOfSandbox(sandbox),
          hostNetwork: ns !== undefined && ns === this.ctx.hostNetnsInode,
          sandboxId: sandbox.id,
        };
        owner.podUid ??= m.uid;
      }
      if (!c && !sandbox) reasons.push(`container ${short(containerId)} is unknown to the CRI`);
      else if (c && !sandbox) reasons.push(`its sandbox ${short(c.podSandboxId)} is gone from the CRI`);
      else if (c && c.state !== 'CONTAINER_RUNNING')
        reasons.push(`the CRI reports the container ${c.state.replace('CONTAINER_', '').toLowerCase()} but its process still runs`);
    } else if (ours && !cri.ok && reasons.length === 0) {
      owner.residueReason = `not checked: the CRI could not be asked (${cri.error})`;
    }

    if (!owner.pod && (shim || bundle)) {
      const facts = shim ? readBundleFacts(shim.pid, containerId, this.ctx.procRoot) : readBundleAt(bundle!);
      if (facts) {
        if (facts.containerName && !owner.containerName) owner.containerName = facts.containerName;
        if (facts.podName) owner.podName = facts.podName;
        if (facts.podNamespace) owner.podNamespace = facts.podNamespace;
        if (facts.sandboxId) owner.sandboxId = facts.sandboxId;
        if (facts.podUid) owner.podUid ??= facts.podUid;
      }
    }
    if (reasons.length) {
      owner.residue = true;
      owner.residueReason = reasons.join('; ');
    }
    return owner;
  }
}

function commandOf(p: ProcFacts): string {
  const text = p.argv.length ? p.argv.join(' ') : `[${p.stat.comm}]`;
  return text.length > MAX_COMMAND ? `${text.slice(0, MAX_COMMAND - 1)}…` : text;
}

function short(id: string): string {
  return id.length > 13 ? id.slice(0, 13) : id;
}
