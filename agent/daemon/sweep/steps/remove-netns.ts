// remove-netns: CNI netns files (`cni-*`). A netns still lived in by a process that is not proven to
// belong to this containerd is left alone and reported with the pid and command; otherwise
// its remaining (proven) holders are ended, and the file is lazily unmounted and unlinked.
import { existsSync, lstatSync } from 'node:fs';
import { OwnedProcess, proveOurs, terminateAll } from '../../host/kill';
import { lazyUnmount } from '../../host/mountinfo';
import { type EntryIdentity, identityOf, removeInside, resolveInside } from '../../host/paths';
import { ksError } from '../../../shared/errors';
import { listProcesses } from '../../host/proc';
import { findShimlessContainers } from '../../host/shimless';
import { actionsOf, type LeaveEntry, type RemoveNetnsFile } from '../actions';
import { leaveEntries, leaveEntryActions } from './leave-entry';
import { findNetns, findShims, ownershipIndex, type NetnsHolder } from '../discover';
import type { RunContext, StepRecorder } from '../recorder';
import type { Step } from '../step';

export const removeNetns: Step<'remove-netns', RemoveNetnsFile | LeaveEntry> = {
  name: 'remove-netns',
  required: false,
  plan({ config, snapshot, steps }) {
    const actions: RemoveNetnsFile[] = [];
    // What keeps a file, as the run will find it: a holder not proven ours, or a shim-gone
    // container process of ours without kill-shims in the run (only it ends those).
    const kept = (h: NetnsHolder) => !h.ours || (h.shimGone === true && !steps.has('kill-shims'));
    for (const n of snapshot.netns) {
      resolveInside(n.path, config.netnsDirs, 'netns file');
      if (n.odd !== undefined) continue;
      const foreign = n.holders.filter(kept);
      actions.push({
        action: 'remove-netns',
        target: n.path,
        detail: {
          inode: n.inode,
          holders: n.holders.map((h) => ({ pid: h.pid, command: h.command, ours: h.ours })),
          ...(foreign.length ? { blockedBy: foreign.map((h) => `pid ${h.pid} (${h.command})`) } : {}),
          ...(n.identity ? { identity: n.identity } : {}),
          ...(n.symlink !== undefined ? { symlink: n.symlink } : {}),
        },
      });
    }
    const odd = leaveEntryActions(
      snapshot.netns.flatMap((n) => (n.odd !== undefined ? [{ path: n.path, type: n.identity?.type ?? 'other', why: n.odd }] : [])),
    );
    return actions.length + odd.length === 0
      ? { actions, note: `no CNI netns in ${config.netnsDirs.join(', ')}` }
      : { actions: [...actions, ...odd] };
  },
  run: runRemoveNetns,
};

function exists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return existsSync(p);
  }
}

async function runRemoveNetns(rec: StepRecorder, ctx: RunContext): Promise<void> {
  const { config } = ctx;
  const procRoot = config.procRoot;
  const owner = { address: config.containerdAddress, namespace: config.containerdNamespace };
  const actions = actionsOf(rec.step.actions, 'remove-netns');
  leaveEntries(rec);
  if (actions.length === 0) return;
  // Look again: the pod and shim steps have ended most holders since the plan was made.
  const procs = listProcesses(procRoot);
  const byPid = new Map(procs.map((p) => [p.pid, p]));
  const owned = ownershipIndex(findShims(procs, owner));
  const shimless = findShimlessContainers(procs, {
    procRoot,
    containerdDirs: config.containerdDirs,
    namespace: config.containerdNamespace,
    shimOwned: new Set(owned.keys()),
  });
  const now = new Map(findNetns(config.netnsDirs, procs, owned, procRoot, shimless).map((n) => [n.path, n]));

  const toKill: OwnedProcess[] = [];
  const ready: typeof actions = [];
  for (const a of actions) {
    if (rec.aborted) {
      rec.record(a.action, a.target, 'skipped', 0, 'run aborted before this action');
      continue;
    }
    if (!exists(a.target)) {
      rec.record(a.action, a.target, 'gone', 0);
      continue;
    }
    const holders = now.get(a.target)?.holders ?? [];
    const foreign = holders.filter((h) => !h.ours);
    if (foreign.length) {
      rec.record(
        a.action,
        a.target,
        'skipped',
        0,
        `left in place: held by ${foreign.map((h) => `pid ${h.pid} (${h.command})`).join(', ')}, not a process of containerd ${owner.address}`,
      );
      continue;
    }
    const orphans = holders.filter((h) => h.shimGone);
    if (orphans.length) {
      // Proven ours by their cgroup, but ended only by kill-shims (which re-proves the cgroup
      // before each signal): it did not run, or did not end them.
      rec.record(
        a.action,
        a.target,
        'skipped',
        0,
        `left in place: held by ${orphans.map((h) => `pid ${h.pid} (${h.command})`).join(', ')}: container processes of containerd ${owner.address} whose shim is gone, which only kill-shims ends (it did not run, or did not end them)`,
      );
      continue;
    }
    if (holders.length && ctx.scope !== 'all') {
      rec.record(
        a.action,
        a.target,
        'skipped',
        0,
        `left in place: a running pod lives in it (pids ${holders.map((h) => h.pid).join(', ')}) and the scope is not all`,
      );
      continue;
    }
    try {
      for (const h of holders) {
        const p = proveOurs(h.pid, owner, procRoot, (q) => byPid.get(q));
        if (p.startTime === h.startTime) toKill.push(p);
      }
      ready.push(a);
    } catch (err) {
      rec.record(a.action, a.target, 'failed', 0, (err as Error).message);
    }
  }
  if (toKill.length) {
    await terminateAll(toKill, {
      graceMs: ctx.graceSeconds * 1000,
      procRoot,
      onSignal: (p, sig) =>
        ctx.log.info({ step: 'remove-netns', pid: p.pid, command: p.command, signal: sig, runId: ctx.runId }, `${sig} pid ${p.pid}`),
    });
  }
  for (const a of ready) {
    await rec.act(a.action, a.target, async () => {
      // Re-checked on the entry itself right before each action (as kill re-checks a pid's start
      // time): a symlink swapped in for a netns file is neither unmounted through nor removed.
      const planned = a.detail.identity as EntryIdentity | undefined;
      const u = await lazyUnmount(a.target, config.netnsDirs, procRoot, planned);
      // Unmounted, the file under the mount shows (another inode): its type is what must hold.
      const now = identityOf(a.target);
      if (planned && now && planned.type !== 'symlink' && now.type !== planned.type)
        throw ksError('KS_ENTRY_CHANGED', `netns file ${a.target} left in place: it is a ${now.type} now`, { path: a.target });
      const r = removeInside(a.target, config.netnsDirs, 'netns file', planned?.type === 'symlink' ? planned : undefined);
      if (a.detail.symlink !== undefined && r === 'done')
        return { outcome: 'done', message: `a symlink (to ${a.detail.symlink}): the link removed, never followed` };
      return {
        outcome: u === 'gone' && r === 'gone' ? 'gone' : 'done',
        message: u === 'done' ? 'unmounted and removed' : 'removed (was not mounted)',
      };
    });
  }
}
