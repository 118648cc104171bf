// cni-cache (on by default): libcni's result cache files of dead sandboxes of this containerd's
// CRI (host/cni-cache.ts says what proves a file ours). containerd removes a sandbox's files only
// when its CNI DEL succeeds; sandboxes removed without one (containerd killed, the CRI down, the
// CNI teardown fallback) leave them under /var/lib/cni/results for good. Runs after remove-netns:
// a file goes only once its sandbox is no longer alive (liveness.ts: the CRI no longer lists it,
// so no DEL will ever read it, and no shim of ours runs it) and its netns file is gone, all looked
// at again right before. With the CRI unreachable nothing is known of the sandboxes containerd
// will still tear down: the plan removes nothing and says so.
import { CniCacheScan, removeStaleCacheFile, scanCniCache } from '../../host/cni-cache';
import { actionsOf, type LeaveEntry, type RemoveCniCache } from '../actions';
import { leaveEntries, leaveEntryActions } from '../steps/leave-entry';
import { livenessAfterPods, livenessNow } from '../liveness';
import { isFailed } from '../residue';
import type { Residue } from '../types';
import type { KindModule } from './kind';

const criDown = (err: string, id?: string) =>
  `the CRI is unreachable, and containerd may still tear ${id ? `sandbox ${id.slice(0, 12)}` : 'its sandboxes'} down with ${id ? 'it' : 'them'} (${err})`;

export const cniCache: KindModule<'cni-cache', CniCacheScan, RemoveCniCache | LeaveEntry> = {
  name: 'cni-cache',
  phase: 'after-pods',
  residueKind: 'cni-cache',
  read: (config) => (config.cniCacheDir === '' ? undefined : scanCniCache(config.cniCacheDir, config.netnsDirs, config.procRoot)),
  plan(p, scan) {
    const { config } = p;
    if (config.cniCacheDir === '') return { actions: [], note: 'no CNI cache dir configured' };
    if (!scan) return { actions: [], note: 'the CNI cache was not read' };
    if (isFailed(scan)) return { actions: [], note: `the CNI cache could not be read: ${scan.error}` };
    const odd = leaveEntryActions(scan.odd ?? []);
    const live = livenessAfterPods(p);
    if (live.criError !== undefined)
      return { actions: odd, note: `${scan.entries.length} cache file(s) left in place: ${criDown(live.criError)}` };
    const actions: (RemoveCniCache | LeaveEntry)[] = scan.entries
      .filter((e) => !live.alive.has(e.containerId))
      .map((e): RemoveCniCache => ({
        action: 'remove-cni-cache',
        target: e.path,
        detail: { containerId: e.containerId, network: e.network, ifname: e.ifname, netns: e.netns },
      }));
    const keptCount = scan.entries.length - actions.length;
    actions.push(...odd);
    const problems = scan.problems.length ? `; unreadable: ${scan.problems.join('; ')}` : '';
    if (actions.length === 0)
      return {
        actions,
        note: `no cache file of a dead sandbox in ${config.cniCacheDir}${keptCount ? ` (${keptCount} of live sandboxes kept)` : ''}${problems}`,
      };
    return keptCount || problems ? { actions, note: `${keptCount} cache file(s) of live sandboxes kept${problems}` } : { actions };
  },
  async run(rec, ctx) {
    leaveEntries(rec);
    if (actionsOf(rec.step.actions, 'remove-cni-cache').length === 0) return;
    const live = await livenessNow(ctx.config, ctx.deps.cri);
    for (const a of actionsOf(rec.step.actions, 'remove-cni-cache')) {
      if (live.criError !== undefined) {
        rec.record(a.action, a.target, 'skipped', 0, `left in place: ${criDown(live.criError, a.detail.containerId)}`);
        continue;
      }
      if (live.alive.has(a.detail.containerId)) {
        rec.record(
          a.action,
          a.target,
          'skipped',
          0,
          `left in place: sandbox ${a.detail.containerId.slice(0, 12)} is alive, and its teardown reads this file`,
        );
        continue;
      }
      await rec.act(a.action, a.target, async () =>
        removeStaleCacheFile(
          { path: a.target, containerId: a.detail.containerId, netns: a.detail.netns },
          ctx.config.cniCacheDir,
          ctx.config.netnsDirs,
        ),
      );
    }
  },
  check({ scope, steps }) {
    return steps.has('cni-cache') && scope === 'all' ? { action: 'check', target: 'cni-cache', detail: {} } : undefined;
  },
  async left(scan, look) {
    if (scan === undefined) return [];
    if (isFailed(scan)) return [{ kind: 'cni-cache', target: look.config.cniCacheDir, why: `could not be checked: ${scan.error}` }];
    const odd = (scan.odd ?? []).map((o): Residue => ({ kind: 'cni-cache', target: o.path, why: o.why }));
    // With the CRI down the sandboxes themselves are reported (verify's pods check).
    const live = await look.liveness();
    if (live.criError !== undefined) return odd;
    return scan.entries
      .filter((x) => !live.alive.has(x.containerId))
      .map((e): Residue => ({
        kind: 'cni-cache',
        target: e.path,
        why: `libcni still caches network ${e.network} (${e.ifname}) of sandbox ${e.containerId.slice(0, 12)}, which no longer exists`,
      }))
      .concat(odd);
  },
  async inventory(scan, look) {
    if (isFailed(scan)) return { rows: { cniCacheFiles: [] }, errors: [`cni-cache: ${scan.error}`] };
    const live = await look.liveness();
    return {
      rows: {
        cniCacheFiles: (scan?.entries ?? []).map((x) => ({
          path: x.path,
          network: x.network,
          containerId: x.containerId,
          ifname: x.ifname,
          netns: x.netns,
          live: live.criError !== undefined || live.alive.has(x.containerId),
        })),
      },
      errors: (scan?.problems ?? []).map((p) => `cni-cache: ${p}`),
    };
  },
};
