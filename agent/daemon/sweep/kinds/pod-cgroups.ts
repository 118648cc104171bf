// pod-cgroups (on by default): the cgroups of pods and containers the CRI no longer knows, under
// the kubelet's pod hierarchy (`podCgroupParents`), in every cgroup hierarchy (v1 controllers, v2
// unified). A leftover scope or slice makes the next pod's unit fail ("Unit … already exists",
// kubernetes#102676) or keeps a kubelet busy (kubernetes#112151). cgroupfs dirs are removed with
// rmdir, children first; systemd's slices and scopes are stopped through systemd, and never
// touched by hand: without a running systemd they are reported as residue. A cgroup that holds a
// process (in it or below) is left in place, at plan and again at run time: its processes are the
// pod steps' to end (kill-shims ends shim-gone ones first). Only with scope all: a restricted
// reset leaves the cgroups of every pod it does not remove. The CRI is asked again at run time.
import { cgroupHierarchies, isKnown, type KnownToCri, type PodCgroupScan, removeCgroupDirs, scanPodCgroups } from '../../host/pod-cgroups';
import { stopUnit, systemdRunning } from '../../host/systemctl';
import { actionsOf, type RemoveCgroup, type StopCgroupUnit } from '../actions';
import { livenessAfterPods } from '../liveness';
import { isFailed } from '../residue';
import type { KindModule } from './kind';

export interface PodCgroupResidue extends PodCgroupScan {
  parents: string[];
  /** systemd runs (sd_booted): its slices and scopes can be stopped. */
  systemd: boolean;
}

const short = (c: { podUid?: string; containerId?: string }) =>
  c.podUid ? `pod ${c.podUid}` : c.containerId ? `container ${c.containerId.slice(0, 12)}` : 'pod';

/** What the CRI knows now: every sandbox (any state) with its uid, every container. */
async function knownNow(cri: {
  listPodSandbox: () => Promise<{ id: string; metadata?: { uid?: string } | null }[]>;
  listContainers: () => Promise<{ id: string; podSandboxId?: string }[]>;
}): Promise<KnownToCri> {
  const [sandboxes, containers] = await Promise.all([cri.listPodSandbox(), cri.listContainers()]);
  return {
    uids: new Set(sandboxes.map((s) => s.metadata?.uid ?? '').filter((u) => u !== '')),
    ids: new Set([...sandboxes.map((s) => s.id), ...containers.map((c) => c.id)]),
  };
}

export const podCgroups: KindModule<'pod-cgroups', PodCgroupResidue, RemoveCgroup | StopCgroupUnit> = {
  name: 'pod-cgroups',
  phase: 'after-pods',
  residueKind: 'pod-cgroup',
  read(config, deps) {
    if (config.podCgroupParents.length === 0) return undefined;
    const scan = scanPodCgroups(cgroupHierarchies(config.procRoot), config.podCgroupParents);
    return { ...scan, parents: [...config.podCgroupParents], systemd: systemdRunning(deps.systemdRunDir) };
  },
  plan(p, r) {
    if (r === undefined) return { actions: [], note: 'no pod cgroup hierarchy configured' };
    if (isFailed(r)) return { actions: [], note: `the pod cgroups could not be read: ${r.error}` };
    if (p.scope !== 'all') return { actions: [], note: 'scope is restricted: the cgroups of the pods that stay are left' };
    const live = livenessAfterPods(p);
    if (live.criError !== undefined && !live.runEndsAll)
      return { actions: [], note: `the CRI is unreachable: which pods stay is unknown, no cgroup is touched (${live.criError})` };
    // What stays known to the CRI after the pod steps: live sandboxes, their uids and containers.
    const pods = 'error' in p.snapshot.pods ? { sandboxes: [], containers: [] } : p.snapshot.pods;
    const known: KnownToCri = {
      uids: new Set(pods.sandboxes.filter((s) => live.alive.has(s.id)).map((s) => s.uid)),
      ids: new Set([...live.alive, ...pods.containers.filter((c) => live.alive.has(c.sandboxId)).map((c) => c.id)]),
    };
    const actions: (RemoveCgroup | StopCgroupUnit)[] = [];
    const unmanaged: string[] = [];
    let kept = 0;
    for (const c of r.cgroups) {
      if (isKnown(c, known)) {
        kept++;
        continue;
      }
      const ids = { ...(c.podUid ? { podUid: c.podUid } : {}), ...(c.containerId ? { containerId: c.containerId } : {}) };
      if (c.unit) {
        if (r.systemd)
          actions.push({ action: 'stop-cgroup-unit', target: c.unit, detail: { cgroup: c.cgroup, ...ids, processes: c.pids.length } });
        else unmanaged.push(c.unit);
      } else actions.push({ action: 'remove-cgroup', target: c.cgroup, detail: { ...ids, dirs: c.dirs, processes: c.pids.length } });
    }
    const notes = [
      ...(kept ? [`${kept} cgroup(s) of pods the CRI still knows kept`] : []),
      ...(unmanaged.length
        ? [`systemd is not running: ${unmanaged.length} slice(s)/scope(s) left as residue (${unmanaged.join(', ')})`]
        : []),
      ...(r.problems.length ? [`unreadable: ${r.problems.join('; ')}`] : []),
    ];
    if (actions.length === 0) return { actions, note: notes.join('; ') || `no pod cgroup under ${r.parents.join(', ')}` };
    return notes.length ? { actions, note: notes.join('; ') } : { actions };
  },
  async run(rec, ctx) {
    if (rec.step.actions.length === 0) return;
    const { config } = ctx;
    let known: KnownToCri | undefined;
    try {
      known = await knownNow(ctx.deps.cri);
    } catch (err) {
      // As planned only for a run that ends every sandbox: none stays, the process check remains.
      rec.reason = `the CRI is unreachable: only cgroups that hold no process are touched (${(err as Error).message})`;
    }
    const hierarchies = cgroupHierarchies(config.procRoot);
    const now = scanPodCgroups(hierarchies, config.podCgroupParents);
    const h = ctx.deps.hostTools;
    for (const a of actionsOf(rec.step.actions, 'remove-cgroup', 'stop-cgroup-unit')) {
      const cgroup = a.action === 'remove-cgroup' ? a.target : a.detail.cgroup;
      const c = now.cgroups.find((x) => x.cgroup === cgroup);
      if (!c) {
        rec.record(a.action, a.target, 'gone', 0, 'not there any more');
        continue;
      }
      if (known && isKnown(c, known)) {
        rec.record(a.action, a.target, 'skipped', 0, `its ${short(c)} is known to the CRI again`);
        continue;
      }
      if (c.pids.length) {
        rec.record(a.action, a.target, 'skipped', 0, `holds ${c.pids.length} process(es) (${c.pids.slice(0, 8).join(' ')}): left in place`);
        continue;
      }
      if (a.action === 'stop-cgroup-unit')
        await rec.act(a.action, a.target, () => stopUnit(a.target, { runDir: h?.systemdRunDir, systemctl: h?.systemctl }));
      else
        await rec.act(a.action, a.target, async () => {
          const r = removeCgroupDirs(c.dirs, hierarchies, config.podCgroupParents);
          return r.outcome === 'gone' ? { outcome: 'gone' } : { outcome: 'done', message: `${r.removed} cgroup dir(s) removed` };
        });
    }
  },
  check({ scope, steps }) {
    return steps.has('pod-cgroups') && scope === 'all' ? { action: 'check', target: 'pod-cgroups', detail: {} } : undefined;
  },
  async left(r, look) {
    if (r === undefined) return [];
    if (isFailed(r))
      return [{ kind: 'pod-cgroup', target: look.config.podCgroupParents.join(', '), why: `could not be checked: ${r.error}` }];
    const live = await look.liveness();
    return r.cgroups
      .filter((c) => !isKnown(c, { uids: new Set(), ids: live.alive }))
      .map((c) => ({
        kind: 'pod-cgroup' as const,
        target: c.unit ?? c.cgroup,
        why: `cgroup of ${short(c)}, which is not a live sandbox, left in ${c.dirs.length} dir(s)${c.pids.length ? `, holding ${c.pids.length} process(es)` : ''}${c.unit && !r.systemd ? ' (a systemd unit, and systemd is not running: never removed by hand)' : ''}`,
      }));
  },
  async inventory(r, look) {
    if (isFailed(r)) return { rows: { podCgroups: [] }, errors: [`pod-cgroups: ${r.error}`] };
    if (r === undefined) return { rows: { podCgroups: [] }, errors: [] };
    const live = await look.liveness();
    return {
      rows: {
        podCgroups: r.cgroups.map((c) => ({
          cgroup: c.cgroup,
          podUid: c.podUid ?? '',
          containerId: c.containerId ?? '',
          unit: c.unit ?? '',
          hierarchies: new Set(c.dirs.map((d) => r.hierarchies.find((h) => d.startsWith(h + '/')))).size,
          processes: c.pids.length,
          live: isKnown(c, { uids: new Set(), ids: live.alive }),
        })),
      },
      errors: r.problems.map((p) => `pod-cgroups: ${p}`),
    };
  },
};
