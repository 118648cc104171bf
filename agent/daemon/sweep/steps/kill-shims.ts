// Step 4: the manual fix from the bug report, made safe. Only shims whose -address and
// -namespace are the configured containerd's are touched, and only their descendants: each
// process is proven ours and identified by pid + start time before any signal. Container
// processes first (SIGTERM, the grace period — shared by all trees — then SIGKILL), then the
// shims, then the rootfs and shm mounts their containers leave behind.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { childrenIndex, descendantsDeepestFirst, isAlive, listProcesses } from '../../host/proc';
import { lazyUnmount } from '../../host/mountinfo';
import { OwnedProcess, proveOurs, terminateAll } from '../../host/kill';
import { resolveInside } from '../../host/paths';
import { actionsOf, type KillProcess, type Planned, type Unmount } from '../actions';
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

export const killShims: Step<'kill-shims', KillProcess | Unmount> = {
  name: 'kill-shims',
  required: false,
  plan({ config, snapshot, scope, graceSeconds, sandboxIds }) {
    if (scope !== 'all' && 'error' in snapshot.pods) {
      return { actions: [], note: 'scope is restricted but the CRI is unreachable: pod kinds of the shims cannot be told, none is killed' };
    }
    const actions: (KillProcess | Unmount)[] = [];
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
  const t0 = Date.now();
  const onSignal = (p: OwnedProcess, sig: string) =>
    ctx.log.info({ step: 'kill-shims', pid: p.pid, command: p.command, shimPid: p.shimPid, shimId: p.shimId, signal: sig, runId: ctx.runId }, `${sig} pid ${p.pid}`);

  await waitShimsExit(kills.filter((a) => ctx.removedSandboxes.has(a.detail.shimId)), procRoot);
  // Which planned shims are still the same processes now (the CRI step usually ended them).
  const live: { action: (typeof kills)[number]; shim: OwnedProcess; tree: OwnedProcess[] }[] = [];
  const procs = kills.length ? listProcesses(procRoot) : [];
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

  const survivors = new Set<string>();
  if (live.length) {
    // Every container process of every shim at once: one grace period in total.
    const inner = await terminateAll(live.flatMap((l) => l.tree), { graceMs: ctx.graceSeconds * 1000, procRoot, onSignal, signal: ctx.signal });
    const outer = await terminateAll(live.map((l) => l.shim), { graceMs: Math.min(SHIM_GRACE_MS, ctx.graceSeconds * 1000 + 500), procRoot, onSignal });
    const stuck = new Set([...inner.survivors, ...outer.survivors]);
    const killed = new Set([...inner.killed, ...outer.killed]);
    for (const l of live) {
      const all = [...l.tree, l.shim];
      const left = all.filter((p) => stuck.has(p.pid));
      const hard = all.filter((p) => killed.has(p.pid)).length;
      const summary = `shim ${l.shim.shimId} and ${l.tree.length} descendant(s) ended (${hard} needed SIGKILL)`;
      if (left.length) {
        survivors.add(l.shim.shimId);
        rec.record(l.action.action, l.action.target, 'failed', Date.now() - t0, `still alive after SIGKILL: ${left.map((p) => `pid ${p.pid} (${p.command})`).join(', ')}`);
      } else rec.record(l.action.action, l.action.target, 'done', Date.now() - t0, summary);
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
