// kill-shims: the manual fix from the bug report, made safe. Only shims whose -address and
// -namespace are the configured containerd's are touched, and only their descendants: each
// process is proven ours and identified by pid + start time before any signal. Container
// processes first (SIGTERM, the grace period — shared by all trees — then SIGKILL), then the
// shims, then the rootfs and shm mounts their containers leave behind.
//
// Container processes whose shim is already gone (killed by hand, crashed) are nobody's
// descendants; they are found by their cgroup naming a container id that containerd has a task
// bundle for in our namespace, or that the CRI lists (host/shimless.ts). Every process of such
// a cgroup is signalled — re-checked (pid, start time, cgroup) right before each signal — in
// the same grace period as the shims' trees, and their rootfs is unmounted after.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { childrenIndex, descendantsDeepestFirst, isAlive, listProcesses } from '../../host/proc';
import { lazyUnmount } from '../../host/mountinfo';
import { commandOf, OwnedProcess, proveOurs, terminateAll } from '../../host/kill';
import { readCgroupContainerId, taskBundleOf } from '../../host/shimless';
import { resolveInside } from '../../host/paths';
import { actionsOf, type KillContainer, type KillProcess, type Planned, type Unmount } from '../actions';
import type { RunContext, StepRecorder } from '../recorder';
import { inIds } from '../snapshot';
import type { Step } from '../step';

/** How long a shim gets between SIGTERM and SIGKILL once its containers are gone. */
export const SHIM_GRACE_MS = 2000;
/** A shim whose sandbox the CRI just removed exits by itself; give it this long first. */
export const SHIM_EXIT_WAIT_MS = 3000;

async function waitShimsExit(actions: readonly Planned<KillProcess>[], procRoot: string): Promise<void> {
  const deadline = Date.now() + SHIM_EXIT_WAIT_MS;
  const alive = () => actions.some((a) => isAlive(Number(a.target), a.detail.startTime, procRoot));
  while (alive() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

export const killShims: Step<'kill-shims', KillProcess | KillContainer | Unmount> = {
  name: 'kill-shims',
  required: false,
  plan({ config, snapshot, scope, graceSeconds, sandboxIds }) {
    if (scope !== 'all' && 'error' in snapshot.pods) {
      return { actions: [], note: 'scope is restricted but the CRI is unreachable: pod kinds of the shims cannot be told, none is killed' };
    }
    const actions: (KillProcess | KillContainer | Unmount)[] = [];
    for (const s of snapshot.shims.filter((s) => inIds(sandboxIds, s.id))) {
      actions.push({
        action: 'kill-process',
        target: String(s.pid),
        detail: {
          shimId: s.id,
          startTime: s.startTime,
          command: s.command,
          tree: s.tree.map((p) => ({ pid: p.pid, startTime: p.startTime, command: p.command })),
          graceSeconds,
        },
      });
    }
    for (const c of snapshot.shimless.filter((c) => inIds(sandboxIds, c.facts.sandboxId ?? c.containerId))) {
      actions.push({
        action: 'kill-container',
        target: c.containerId,
        detail: {
          reason: 'shim gone',
          proof: c.proof,
          sandboxId: c.facts.sandboxId ?? c.containerId,
          ...(c.facts.containerName
            ? { container: c.facts.containerName }
            : c.facts.containerType === 'sandbox'
              ? { container: 'pause' }
              : {}),
          ...(c.facts.podName ? { pod: `${c.facts.podNamespace ?? ''}/${c.facts.podName}` } : {}),
          processes: c.processes.map((p) => ({ pid: p.pid, startTime: p.startTime, command: p.command })),
          graceSeconds,
        },
      });
    }
    for (const m of snapshot.containerMounts.filter((m) => inIds(sandboxIds, m.sandboxId))) {
      if (!existsSync(path.dirname(m.mountPoint))) continue; // unmounted and removed since we looked
      resolveInside(m.mountPoint, config.containerdDirs, 'mount point');
      actions.push({ action: 'unmount', target: m.mountPoint, detail: { id: m.id, sandboxId: m.sandboxId, kind: m.kind } });
    }
    return actions.length === 0 ? { actions, note: 'no shims of this containerd' } : { actions };
  },
  run: runKillShims,
};

async function runKillShims(rec: StepRecorder, ctx: RunContext): Promise<void> {
  const procRoot = ctx.config.procRoot;
  const owner = { address: ctx.config.containerdAddress, namespace: ctx.config.containerdNamespace };
  const kills = actionsOf(rec.step.actions, 'kill-process');
  const unmounts = actionsOf(rec.step.actions, 'unmount');
  const shimless = actionsOf(rec.step.actions, 'kill-container');
  const t0 = Date.now();
  const onSignal = (p: OwnedProcess, sig: string) =>
    ctx.log.info(
      { step: 'kill-shims', pid: p.pid, command: p.command, shimPid: p.shimPid, shimId: p.shimId, signal: sig, runId: ctx.runId },
      `${sig} pid ${p.pid}`,
    );

  await waitShimsExit(
    kills.filter((a) => ctx.removedSandboxes.has(a.detail.shimId)),
    procRoot,
  );
  // Which planned shims are still the same processes now (the CRI step usually ended them).
  const live: { action: (typeof kills)[number]; shim: OwnedProcess; tree: OwnedProcess[] }[] = [];
  const procs = kills.length || shimless.length ? listProcesses(procRoot) : [];
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const children = childrenIndex(procs);
  for (const a of kills) {
    const pid = Number(a.target);
    const startTime = a.detail.startTime;
    if (rec.aborted) {
      rec.record(a.action, a.target, 'skipped', 0, 'run aborted before this action');
      continue;
    }
    if (!isAlive(pid, startTime, procRoot)) {
      rec.record(a.action, a.target, 'gone', 0, `shim ${a.detail.shimId} already exited`);
      continue;
    }
    try {
      const shim = proveOurs(pid, owner, procRoot, (p) => byPid.get(p));
      if (shim.startTime !== startTime) throw new Error(`pid ${pid} was reused`);
      const tree = descendantsDeepestFirst(pid, children)
        .map((c) => byPid.get(c))
        .filter((p) => p !== undefined && p.state !== 'Z')
        .map((p) => proveOurs(p!.pid, owner, procRoot, (q) => byPid.get(q)));
      live.push({ action: a, shim, tree });
    } catch (err) {
      rec.record(a.action, a.target, 'failed', 0, (err as Error).message);
    }
  }

  // Shim-gone containers: every process whose cgroup names the container now (not only those
  // the plan saw: a shell may have forked since), while containerd still has its bundle.
  const stillOurs = (a: (typeof shimless)[number]) =>
    a.detail.proof === 'cri' || taskBundleOf(a.target, ctx.config.containerdDirs, ctx.config.containerdNamespace) !== undefined;
  const inCgroup = (id: string, list: typeof procs) =>
    list.filter((p) => p.state !== 'Z' && p.pid > 1 && readCgroupContainerId(p.pid, procRoot) === id);
  const orphaned: { action: (typeof shimless)[number]; procs: OwnedProcess[] }[] = [];
  const liveTreePids = new Set(live.flatMap((l) => [l.shim.pid, ...l.tree.map((p) => p.pid)]));
  for (const a of shimless) {
    if (rec.aborted) {
      rec.record(a.action, a.target, 'skipped', 0, 'run aborted before this action');
      continue;
    }
    if (!stillOurs(a)) {
      rec.record(a.action, a.target, 'skipped', 0, 'containerd no longer has a task bundle for it: not proven ours any more');
      continue;
    }
    const sandboxId = a.detail.sandboxId;
    const ps = inCgroup(a.target, procs)
      .filter((p) => !liveTreePids.has(p.pid))
      .map((p): OwnedProcess => ({
        pid: p.pid,
        startTime: p.startTime,
        command: commandOf(p),
        shimPid: 0,
        shimId: sandboxId,
        containerId: a.target,
      }));
    if (ps.length === 0) rec.record(a.action, a.target, 'gone', 0, 'shim gone: its processes already exited');
    else orphaned.push({ action: a, procs: ps });
  }
  const cgroupStillNames = (p: OwnedProcess) => p.containerId === undefined || readCgroupContainerId(p.pid, procRoot) === p.containerId;

  const survivors = new Set<string>();
  if (live.length || orphaned.length) {
    // Every container process of every shim, and of every shim-gone container, at once: one
    // grace period in total.
    const inner = await terminateAll([...live.flatMap((l) => l.tree), ...orphaned.flatMap((o) => o.procs)], {
      graceMs: ctx.graceSeconds * 1000,
      procRoot,
      onSignal,
      signal: ctx.signal,
      recheck: cgroupStillNames,
    });
    const outer = await terminateAll(
      live.map((l) => l.shim),
      { graceMs: Math.min(SHIM_GRACE_MS, ctx.graceSeconds * 1000 + 500), procRoot, onSignal },
    );
    const stuck = new Set([...inner.survivors, ...outer.survivors]);
    const killed = new Set([...inner.killed, ...outer.killed]);
    for (const l of live) {
      const all = [...l.tree, l.shim];
      const left = all.filter((p) => stuck.has(p.pid));
      const hard = all.filter((p) => killed.has(p.pid)).length;
      const summary = `shim ${l.shim.shimId} and ${l.tree.length} descendant(s) ended (${hard} needed SIGKILL)`;
      if (left.length) {
        survivors.add(l.shim.shimId);
        rec.record(
          l.action.action,
          l.action.target,
          'failed',
          Date.now() - t0,
          `still alive after SIGKILL: ${left.map((p) => `pid ${p.pid} (${p.command})`).join(', ')}`,
        );
      } else rec.record(l.action.action, l.action.target, 'done', Date.now() - t0, summary);
    }
    for (const o of orphaned) {
      // What was forked after our listing (a shell's next child) dies with no grace: its
      // parent was already told to stop.
      let late: OwnedProcess[] = [];
      for (let round = 0; round < 3; round++) {
        const known = new Set(o.procs.map((p) => p.pid));
        late = inCgroup(o.action.target, listProcesses(procRoot))
          .filter((p) => !known.has(p.pid))
          .map((p): OwnedProcess => ({
            pid: p.pid,
            startTime: p.startTime,
            command: commandOf(p),
            shimPid: 0,
            shimId: o.procs[0].shimId,
            containerId: o.action.target,
          }));
        if (late.length === 0) break;
        const r = await terminateAll(late, { graceMs: 0, procRoot, onSignal, recheck: cgroupStillNames });
        for (const pid of r.survivors) inner.survivors.push(pid);
        o.procs.push(...late);
      }
      const left = o.procs.filter((p) => inner.survivors.includes(p.pid) || isAlive(p.pid, p.startTime, procRoot));
      const hard = o.procs.filter((p) => inner.killed.includes(p.pid)).length;
      const d = o.action.detail;
      const who = `container ${d.container ?? o.action.target.slice(0, 13)}${d.pod ? ` of pod ${d.pod}` : ''}`;
      if (left.length) {
        survivors.add(d.sandboxId);
        rec.record(
          o.action.action,
          o.action.target,
          'failed',
          Date.now() - t0,
          `shim gone: ${who}: still alive after SIGKILL: ${left.map((p) => `pid ${p.pid} (${p.command})`).join(', ')}`,
        );
      } else
        rec.record(
          o.action.action,
          o.action.target,
          'done',
          Date.now() - t0,
          `shim gone: ${who}: ${o.procs.length} process(es) ended (${hard} needed SIGKILL)`,
        );
    }
  }

  for (const a of unmounts) {
    if (survivors.has(a.detail.sandboxId)) {
      rec.record(a.action, a.target, 'skipped', 0, 'its shim could not be killed: still in use');
      continue;
    }
    await rec.act(a.action, a.target, async () => ({ outcome: await lazyUnmount(a.target, ctx.config.containerdDirs, procRoot) }));
  }
}
