// A shim as findShims reports one, for plan and step tests: a shim of the fixture containerd
// (`/run/c.sock`, namespace k8s.io) with a pid, a start time and the process tree under it (by
// default one `/pause`).
import type { ProcRefWithStart, ShimProc } from '../../agent/daemon/sweep/discover';

export function shimProc(id: string, pid: number, opts: { startTime?: number; tree?: ProcRefWithStart[] } = {}): ShimProc {
  return {
    pid,
    startTime: opts.startTime ?? pid * 10,
    id,
    namespace: 'k8s.io',
    address: '/run/c.sock',
    binary: 'containerd-shim-runc-v2',
    command: 'shim',
    children: [],
    tree: opts.tree ?? [{ pid: pid + 1, startTime: 1, command: '/pause', ours: true }],
  };
}
