// kubelet-mounts (on by default): every mount strictly under the kubelet dir, deepest first, then
// each pod dir (`pods/<uid>`) — removed only when nothing is mounted at or under it any more; a
// failed unmount is reported and nothing under it is deleted (deleting through a live bind mount
// deletes the volume's data: k3s#3264). The kubelet recreates pod dirs; its own state outside
// pods/ (config, certificates, plugin registrations) is not touched. With a restricted scope only
// the mounts and dirs of in-scope pods are.
import path from 'node:path';
import {
  KubeletMount,
  kubeletMounts as mountsUnder,
  listPodDirs,
  removePodDir,
  resolveKubeletDir,
  unmountKubelet,
} from '../../host/kubelet-mounts';
import { readMountinfo } from '../../host/mountinfo';
import { resolveInside } from '../../host/paths';
import { actionsOf, type RemoveDir, type UnmountVolume } from '../actions';
import { isFailed } from '../residue';
import type { KindModule } from './kind';

export interface KubeletResidue {
  /** The kubelet dir as mountinfo names it. */
  dir: string;
  mounts: KubeletMount[];
  podDirs: string[];
}

export const kubeletMounts: KindModule<'kubelet-mounts', KubeletResidue, UnmountVolume | RemoveDir> = {
  name: 'kubelet-mounts',
  phase: 'after-pods',
  residueKind: 'kubelet-mount',
  read(config) {
    const dir = resolveKubeletDir(config.kubeletDir);
    return { dir, mounts: mountsUnder(readMountinfo(config.procRoot), dir), podDirs: listPodDirs(dir) };
  },
  plan({ snapshot, scope, sandboxIds }, r) {
    if (r === undefined) return { actions: [], note: 'the kubelet dir was not read' };
    if (isFailed(r)) return { actions: [], note: `the kubelet dir could not be read: ${r.error}` };
    // Which pod uids this run may touch: all, or those of in-scope sandboxes.
    let uids: Set<string> | 'all' = 'all';
    if (scope !== 'all') {
      uids = new Set();
      if (!('error' in snapshot.pods))
        for (const s of snapshot.pods.sandboxes) if (sandboxIds === 'all' || sandboxIds.has(s.id)) uids.add(s.uid);
    }
    const inScope = (uid: string | undefined) => uids === 'all' || (uid !== undefined && uids.has(uid));
    const actions: (UnmountVolume | RemoveDir)[] = [];
    for (const m of r.mounts) {
      if (!inScope(m.podUid)) continue;
      resolveInside(m.mountPoint, [r.dir], 'mount point');
      actions.push({
        action: 'unmount-volume',
        target: m.mountPoint,
        detail: { fsType: m.fsType, source: m.source, count: m.count, ...(m.podUid ? { podUid: m.podUid } : {}), kubeletDir: r.dir },
      });
    }
    for (const d of r.podDirs) {
      const uid = path.basename(d);
      if (!inScope(uid)) continue;
      resolveInside(d, [r.dir], 'kubelet pod dir');
      actions.push({
        action: 'remove-dir',
        target: d,
        detail: { podUid: uid, mounts: r.mounts.filter((m) => m.mountPoint.startsWith(d + '/')).length, kubeletDir: r.dir },
      });
    }
    if (actions.length === 0)
      return { actions, note: `no mounts or pod dirs under ${r.dir}${scope === 'all' ? '' : ' for the pods in scope'}` };
    return { actions };
  },
  async run(rec, ctx) {
    const failed: string[] = [];
    for (const a of actionsOf(rec.step.actions, 'unmount-volume')) {
      const dir = a.detail.kubeletDir;
      const o = await rec.act(a.action, a.target, async () => {
        const outcome = await unmountKubelet(a.target, dir, { procRoot: ctx.config.procRoot });
        return { outcome, message: outcome === 'done' ? `unmounted ${a.detail.fsType} from ${a.detail.source}` : 'not mounted any more' };
      });
      if (o === 'failed' || o === 'skipped') failed.push(a.target);
    }
    for (const a of actionsOf(rec.step.actions, 'remove-dir')) {
      const blocked = failed.filter((m) => m === a.target || m.startsWith(a.target + '/'));
      if (blocked.length) {
        rec.record(a.action, a.target, 'skipped', 0, `not removed: the unmount of ${blocked.join(', ')} failed`);
        continue;
      }
      await rec.act(a.action, a.target, async () => {
        const n = removePodDir(a.target, a.detail.kubeletDir, ctx.config.procRoot);
        return n === 0 ? { outcome: 'gone' } : { outcome: 'done', message: `removed (${n} entries)` };
      });
    }
  },
  check({ scope, steps }) {
    return steps.has('kubelet-mounts') && scope === 'all' ? { action: 'check', target: 'kubelet-mounts', detail: {} } : undefined;
  },
  async left(r, { config }) {
    if (r === undefined) return [];
    if (isFailed(r)) return [{ kind: 'kubelet-mount', target: config.kubeletDir, why: `could not be checked: ${r.error}` }];
    return [
      ...r.mounts.map((m) => ({
        kind: 'kubelet-mount' as const,
        target: m.mountPoint,
        why: `${m.fsType} from ${m.source} still mounted under the kubelet dir${m.podUid ? ` (pod ${m.podUid})` : ''}`,
      })),
      ...r.podDirs.map((d) => ({ kind: 'kubelet-mount' as const, target: d, why: 'pod dir still present under the kubelet dir' })),
    ];
  },
  async inventory(r) {
    if (isFailed(r)) return { rows: { kubeletMounts: [], kubeletPodDirs: [] }, errors: [`kubelet-mounts: ${r.error}`] };
    return {
      rows: {
        kubeletMounts: (r?.mounts ?? []).map((m) => ({
          mountPoint: m.mountPoint,
          fsType: m.fsType,
          source: m.source,
          podUid: m.podUid ?? '',
        })),
        kubeletPodDirs: r?.podDirs ?? [],
      },
      errors: [],
    };
  },
};
