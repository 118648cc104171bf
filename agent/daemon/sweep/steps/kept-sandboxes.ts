// Which sandboxes a run leaves alive, for the steps that clear what dead sandboxes left behind
// (ipam, cni-cache): READY sandboxes the run does not remove, and every live shim's sandbox the
// run does not end. With the CRI unreachable and a restricted scope, that cannot be known.
import type { PlanContext } from '../step';

/** The sandboxes kept, or `criError` when which ones stay cannot be known. */
export function keptSandboxes({ snapshot, sandboxIds, steps }: Pick<PlanContext, 'snapshot' | 'sandboxIds' | 'steps'>): { keep: Set<string> } | { criError: string } {
  const removing = steps.has('remove-pods') || steps.has('kill-shims');
  const removed = (id: string) => removing && (sandboxIds === 'all' || sandboxIds.has(id));
  const keep = new Set<string>();
  if ('error' in snapshot.pods) {
    if (sandboxIds !== 'all' || !removing) return { criError: snapshot.pods.error };
  } else {
    for (const s of snapshot.pods.sandboxes) if (s.state === 'SANDBOX_READY' && !removed(s.id)) keep.add(s.id);
  }
  for (const s of snapshot.shims) if (!removed(s.id)) keep.add(s.id);
  return { keep };
}
