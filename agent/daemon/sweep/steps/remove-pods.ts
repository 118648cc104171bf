// remove-pods: remove pods through the CRI, in plan order: pods with their own netns first, then
// host-network pods (calico-node, kube-proxy, the apiserver) — the CNI may need those to tear
// the others' networks down. With a grace period, every container of a group is first stopped
// gracefully, all at once, so grace periods overlap (a one-at-a-time graceful stop would pay one
// grace period per stubborn container); then each sandbox is removed, `parallelism` at a time
// (why that bound and not the core count: shared/pool.ts).
//
// One CRI call per pod, RemovePodSandbox, where crictl and kubeadm make StopPodSandbox then
// RemovePodSandbox: every containerd from 1.6.0 to 2.x begins RemovePodSandbox with the same
// stopPodSandbox (SIGKILL to what still runs, the network's DEL, the netns) and then removes the
// pod's containers, so the extra StopPodSandbox only ran the network's DEL twice (measured: three
// more plugin processes per pod with its own netns, 14 % of a 60-pod reset's wall time).
//
// A sandbox whose network teardown fails (Calico on a deleted node: "connection is
// unauthorized") or hangs is not retried at full timeout — the error is deterministic — but
// set aside; after its group, the CNI teardown fallback (../cni-fallback.ts) removes all of
// them through a teardown-only network config, and says so in each item.
import {
  actionsOf,
  type OrphanRef,
  type Planned,
  type PodRef,
  type RemoveContainer,
  type RemoveSandbox,
  type StopContainer,
} from '../actions';
import { cniFallbackReason, FallbackTarget, isDeterministicCniError, runCniFallback } from '../cni-fallback';
import { killNow } from '../../host/kill';
import { Limiter } from '../../../shared/pool';
import { isTransientCriError, withRetry } from '../retry';
import type { RunContext, StepRecorder } from '../recorder';
import { orderSandboxes } from '../snapshot';
import type { Step } from '../step';

/** Containers in id order, whatever order the CRI lists them in: two looks, one plan. */
const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

type PodAction = StopContainer | RemoveContainer | RemoveSandbox;
type PlannedPodAction = Planned<PodAction>;

export const removePods: Step<'remove-pods', PodAction> = {
  name: 'remove-pods',
  required: false,
  plan({ snapshot, scope, graceSeconds }) {
    if ('error' in snapshot.pods) return { actions: [], note: `CRI unreachable, pods are left to kill-shims: ${snapshot.pods.error}` };
    const actions: PodAction[] = [];
    let note: string | undefined;
    const { sandboxes, containers } = snapshot.pods;
    const ordered = orderSandboxes(sandboxes, scope);
    for (const sb of ordered) {
      const pod: PodRef = { sandboxId: sb.id, pod: `${sb.namespace}/${sb.name}`, kind: sb.kind, hostNetwork: sb.hostNetwork };
      const own = containers.filter((c) => c.sandboxId === sb.id).sort(byId);
      // With a grace period each container is stopped first (SIGTERM, the grace, SIGKILL);
      // without one, RemovePodSandbox's own stop is the SIGKILL. Either way it removes them.
      if (graceSeconds > 0)
        for (const c of own) actions.push({ action: 'stop-container', target: c.id, detail: { ...pod, container: c.name, graceSeconds } });
      // What runs under the pod's shim is SIGKILLed by us first: one kill(2) each, where
      // containerd's stop would run `runc kill` once per container (a 60-pod reset: 120 runc
      // processes fewer, a quarter of containerd's CPU). A shim of ours whose id is the sandbox's
      // (containerd runs one shim per pod) proves them ours; pid + start time, checked right
      // before each signal, prove they are still the processes seen here.
      const shim = snapshot.shims.find((s) => s.id === sb.id);
      const processes = (shim?.tree ?? []).map(({ pid, startTime, command }) => ({ pid, startTime, command }));
      actions.push({
        action: 'remove-sandbox',
        target: sb.id,
        detail: {
          ...pod,
          containers: own.map((c) => c.id),
          ...(shim && processes.length ? { sigkill: { shimPid: shim.pid, processes } } : {}),
        },
      });
    }
    if (scope === 'all') {
      for (const c of containers.filter((c) => c.orphan).sort(byId)) {
        const d: OrphanRef = { sandboxId: c.sandboxId, container: c.name, orphan: true };
        actions.push({ action: 'stop-container', target: c.id, detail: { ...d, graceSeconds } });
        actions.push({ action: 'remove-container', target: c.id, detail: d });
      }
    } else if (containers.some((c) => c.orphan)) {
      note = 'containers whose sandbox is gone are only removed with scope all (their pod kind is unknown)';
    }
    if (ordered.length === 0 && !note) note = 'no pods in scope';
    return note ? { actions, note } : { actions };
  },
  run: runRemovePods,
};

/** Container stops in flight at once: they mostly wait (grace periods), they do not compute. */
export const STOP_FANOUT = 64;

interface PodWork {
  sandboxId: string | undefined;
  hostNetwork: boolean;
  containers: ContainerWork[];
  remove?: Planned<RemoveSandbox>;
}

interface ContainerWork {
  stop?: Planned<StopContainer>;
  remove?: Planned<RemoveContainer>;
}

/** Regroup the flat plan into pods (in plan order) and orphan containers. */
export function groupPodActions(actions: readonly PlannedPodAction[]): { netnsPods: PodWork[]; hostPods: PodWork[]; orphans: PodWork[] } {
  const pods = new Map<string, PodWork>();
  const orphans: PodWork = { sandboxId: undefined, hostNetwork: false, containers: [] };
  const containers = new Map<string, ContainerWork>();
  for (const a of actions) {
    const d = a.detail;
    let pod: PodWork;
    if ('orphan' in d) pod = orphans;
    else {
      pod = pods.get(d.sandboxId) ?? { sandboxId: d.sandboxId, hostNetwork: d.hostNetwork, containers: [] };
      pods.set(d.sandboxId, pod);
    }
    if (a.action === 'stop-container' || a.action === 'remove-container') {
      let c = containers.get(a.target);
      if (!c) {
        c = {};
        containers.set(a.target, c);
        pod.containers.push(c);
      }
      if (a.action === 'stop-container') c.stop = a;
      else c.remove = a;
    } else pod.remove = a;
  }
  const all = [...pods.values()];
  return {
    netnsPods: all.filter((p) => !p.hostNetwork),
    hostPods: all.filter((p) => p.hostNetwork),
    orphans: orphans.containers.length ? [orphans] : [],
  };
}

async function runRemovePods(rec: StepRecorder, ctx: RunContext): Promise<void> {
  const { cri } = ctx.deps;
  const { criTimeoutMs, retries } = ctx.config;
  const grace = ctx.graceSeconds;
  const calls = new Limiter(ctx.config.parallelism);
  const stops = new Limiter(Math.max(STOP_FANOUT, ctx.config.parallelism));
  const retry = <T>(what: string, fn: () => Promise<T>, retryable?: (err: unknown) => boolean) =>
    withRetry(fn, {
      retries,
      signal: ctx.signal,
      ...(retryable ? { retryable } : {}),
      onRetry: (n, err) => ctx.log.warn({ step: 'remove-pods', what, attempt: n, err: (err as Error).message }, `retrying ${what}`),
    });

  const removeContainer = async (c: ContainerWork): Promise<boolean> => {
    let ok = true;
    if (c.stop) {
      const id = c.stop.target;
      const o = await stops.run(() =>
        rec.act('stop-container', id, async () => {
          try {
            return { outcome: await retry(`StopContainer(${id})`, () => cri.stopContainer(id, grace, { timeoutMs: criTimeoutMs })) };
          } catch (err) {
            if (rec.aborted) throw err;
            // Graceful stop failed even after retries: force it (timeout 0 = SIGKILL at once).
            const r = await cri.stopContainer(id, 0, { timeoutMs: criTimeoutMs });
            return { outcome: r, message: `forced after: ${(err as Error).message}` };
          }
        }),
      );
      ok = o !== 'failed' && o !== 'skipped';
    }
    if (c.remove) {
      const id = c.remove.target;
      if (!ok) {
        rec.record('remove-container', id, 'skipped', 0, 'not attempted: the container could not be stopped');
        return false;
      }
      const o = await calls.run(() =>
        rec.act('remove-container', id, async () => ({
          outcome: await retry(`RemoveContainer(${id})`, () => cri.removeContainer(id, { timeoutMs: criTimeoutMs })),
        })),
      );
      ok = o !== 'failed' && o !== 'skipped';
    }
    return ok;
  };

  let deferred: FallbackTarget[] = [];
  const removePod = async (pod: PodWork, killedEarly?: number[]): Promise<void> => {
    await Promise.all(pod.containers.map(removeContainer));
    if (!pod.remove) return;
    const id = pod.remove.target;
    // A CNI teardown failure is deterministic and a deadline on a pod with its own netns is a
    // DEL that hangs: neither is worth another full-timeout try; both go to the fallback.
    const retryable = (err: unknown) =>
      isTransientCriError(err) && !isDeterministicCniError(err) && !(!pod.hostNetwork && cniFallbackReason(err, false) !== undefined);
    // Not recorded as a failure: the fallback's own remove-sandbox item says what happened.
    let fallback: string | undefined;
    const o = await calls.run(async () => {
      if (rec.aborted) {
        const early = killedEarly?.length ? `; its processes (pid ${killedEarly.join(', ')}) were SIGKILLed` : '';
        rec.record('remove-sandbox', id, 'skipped', 0, `run aborted before this action${early}`);
        return 'skipped' as const;
      }
      const t0 = Date.now();
      const killed = killedEarly ?? killPodFirst(pod.remove!, ctx);
      try {
        const r = await retry(`RemovePodSandbox(${id})`, () => cri.removePodSandbox(id, { timeoutMs: criTimeoutMs }), retryable);
        rec.record('remove-sandbox', id, r, Date.now() - t0, ...(killed.length ? [`SIGKILL first to pid ${killed.join(', ')}`] : []));
        return r;
      } catch (err) {
        fallback = rec.aborted ? undefined : cniFallbackReason(err, pod.hostNetwork);
        if (fallback === undefined) {
          rec.record('remove-sandbox', id, 'failed', Date.now() - t0, (err as Error).message);
          return 'failed' as const;
        }
        ctx.log.warn(
          { step: 'remove-pods', sandboxId: id, err: (err as Error).message, runId: ctx.runId },
          `RemovePodSandbox(${id}): ${fallback}; left to the CNI teardown fallback`,
        );
        return 'deferred' as const;
      }
    });
    if (o === 'deferred') deferred.push({ sandboxId: id, failure: fallback! });
    else if (o === 'done' || o === 'gone') ctx.removedSandboxes.add(id);
  };

  const groups = groupPodActions(actionsOf(rec.step.actions, 'stop-container', 'remove-container', 'remove-sandbox'));
  for (const group of [groups.netnsPods, groups.hostPods, groups.orphans]) {
    if (group.length === 0) continue;
    // A pod no graceful stop waits for is SIGKILLed as its group starts, not as its turn among
    // the `parallelism` sandbox calls comes: by then its shim has reaped the processes and
    // marked them exited (after its own `runc kill --all`), and containerd's stop sends no
    // `runc kill` at all — killed right before the call, half the pods still got one (measured).
    const early = new Map<PodWork, number[]>();
    if (!rec.aborted)
      for (const pod of group) if (pod.remove && !pod.containers.some((c) => c.stop)) early.set(pod, killPodFirst(pod.remove, ctx));
    await Promise.all(group.map((pod) => removePod(pod, early.get(pod))));
    // Before the next group: host-network pods go last, after every pod netns is torn down
    // (a removed sandbox's network is).
    if (deferred.length) {
      const targets = deferred;
      deferred = [];
      const removed = await runCniFallback(targets, {
        cri,
        log: ctx.log,
        stateDir: ctx.config.stateDir,
        runId: ctx.runId,
        cniConfDir: ctx.config.cniConfDir,
        cniIpamDir: ctx.config.cniIpamDir,
        criTimeoutMs,
        rec,
      });
      for (const id of removed) ctx.removedSandboxes.add(id);
      rec.reason = `CNI teardown fallback for ${targets.length} sandbox(es) (${removed.size} removed): their network's own DEL ${targets.some((t) => t.failure.startsWith('CNI DEL hung')) ? 'failed or hung' : 'failed'} and was skipped`;
    }
  }
  if (rec.items.some((i) => i.outcome === 'failed' && /no CRI socket|not answering/.test(i.message ?? ''))) {
    rec.reason = 'the CRI became unreachable during the step; kill-shims handles what is left';
  }
}

/** SIGKILL what the plan saw under the pod's shim, each only if still the same process; the pids signalled. */
function killPodFirst(a: Planned<RemoveSandbox>, ctx: RunContext): number[] {
  const pre = a.detail.sigkill;
  if (!pre) return [];
  const procs = pre.processes.map((p) => ({ ...p, shimPid: pre.shimPid, shimId: a.target }));
  const { killed } = killNow(procs, { procRoot: ctx.config.procRoot });
  if (killed.length)
    ctx.log.info(
      { step: 'remove-pods', sandboxId: a.target, shimPid: pre.shimPid, pids: killed, runId: ctx.runId },
      `SIGKILL pid ${killed.join(', ')}`,
    );
  return killed;
}
