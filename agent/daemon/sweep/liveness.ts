// Which sandboxes still count as alive: the one rule the kinds that clear what dead sandboxes
// left behind (ipam, cni-cache) plan, run, verify and inspect by. The plan applies it to the
// snapshot, minus the sandboxes the run ends before those steps; the run applies it again to a
// fresh look right before it acts. So what the plan leaves, the run leaves too.
import type { CriClient } from '../cri/client';
import { listProcesses } from '../host/proc';
import { findShims } from './discover';
import { inIds } from './snapshot';
import type { PlanContext } from './step';
import type { SweepConfig } from './types';

/** What is known about the sandboxes: the CRI's list (any state) or why it cannot be had, and our live shims. */
export interface SandboxesSeen {
  pods: { sandboxes: readonly { id: string; state: string }[] } | { error: string };
  shimIds: Iterable<string>;
}

export interface Liveness {
  alive: ReadonlySet<string>;
  /** The CRI could not be asked: only sandboxes with a live shim are known to be alive. */
  criError?: string;
}

/**
 * A sandbox counts as alive while the CRI lists it, in any state, or a live shim of ours runs
 * it. NOTREADY counts: containerd runs its CNI DEL when the sandbox is removed, that DEL reads
 * libcni's cached result and releases the address itself, and a netns whose DEL failed may still
 * carry the address. `ended` names sandboxes this run ends before the step that asks (plan time).
 */
export function sandboxLiveness(seen: SandboxesSeen, ended: (id: string) => boolean = () => false): Liveness {
  const alive = new Set<string>();
  for (const id of seen.shimIds) if (!ended(id)) alive.add(id);
  if ('error' in seen.pods) return { alive, criError: seen.pods.error };
  for (const s of seen.pods.sandboxes) if (!ended(s.id)) alive.add(s.id);
  return { alive };
}

/** A fresh look: our live shims and the CRI's sandboxes (or why it cannot be asked). */
export async function seeSandboxes(config: SweepConfig, cri: CriClient): Promise<SandboxesSeen> {
  const shimIds = findShims(listProcesses(config.procRoot), {
    address: config.containerdAddress,
    namespace: config.containerdNamespace,
  }).map((s) => s.id);
  try {
    return { shimIds, pods: { sandboxes: await cri.listPodSandbox(undefined, { timeoutMs: Math.min(config.criTimeoutMs, 15_000) }) } };
  } catch (err) {
    return { shimIds, pods: { error: (err as Error).message } };
  }
}

/** The rule applied to the node now (run and verify time). */
export async function livenessNow(config: SweepConfig, cri: CriClient): Promise<Liveness> {
  return sandboxLiveness(await seeSandboxes(config, cri));
}

/**
 * The rule applied at plan time: the snapshot's sandboxes minus those this run ends before the
 * kinds' steps (remove-pods and kill-shims end every in-scope sandbox and shim). `runEndsAll`:
 * the run ends every sandbox, whatever the CRI would have listed.
 */
export function livenessAfterPods({
  snapshot,
  sandboxIds,
  steps,
}: Pick<PlanContext, 'snapshot' | 'sandboxIds' | 'steps'>): Liveness & { runEndsAll: boolean } {
  const ending = steps.has('remove-pods') || steps.has('kill-shims');
  const live = sandboxLiveness({ pods: snapshot.pods, shimIds: snapshot.shims.map((s) => s.id) }, (id) => ending && inIds(sandboxIds, id));
  return { ...live, runEndsAll: ending && sandboxIds === 'all' };
}
