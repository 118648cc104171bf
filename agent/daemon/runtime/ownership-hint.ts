// What would prove a process ours, said where the agent cannot: a process whose cgroup names a
// container, with no task bundle of that id under the containerd dirs in use, is most often a
// container of this containerd whose state lies somewhere the agent was not told. The residue
// item then names the missing proof and the two ways to supply it.
import { readCgroupContainerId, taskBundleOf } from '../host/shimless';

export function unprovenOwnershipHint(
  pid: number,
  q: { procRoot: string; containerdDirs: readonly string[]; namespace: string },
): string | undefined {
  const id = readCgroupContainerId(pid, q.procRoot);
  if (id === undefined || taskBundleOf(id, q.containerdDirs, q.namespace) !== undefined) return undefined;
  return `cgroup names container ${id.slice(0, 13)}; no task bundle under ${q.containerdDirs.join(', ') || '(no containerd dir)'}; if containerd keeps its state elsewhere, set --containerd-dir or start the agent while containerd runs`;
}
