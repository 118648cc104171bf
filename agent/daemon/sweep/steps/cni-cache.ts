// cni-cache (on by default): libcni's result cache files of dead sandboxes of this containerd's
// CRI (host/cni-cache.ts says what proves a file ours). containerd removes a sandbox's files only
// when its CNI DEL succeeds; sandboxes removed without one (containerd killed, the CRI down, the
// CNI teardown fallback) leave them under /var/lib/cni/results for good. Runs after remove-netns:
// a file goes only once the CRI no longer knows its sandbox (so no DEL will ever read it), no shim
// of ours runs it, and its netns file is gone, all looked at again right before.
import { removeStaleCacheFile } from '../../host/cni-cache';
import { actionsOf, type RemoveCniCache } from '../actions';
import { criKnownSandboxIds } from '../residue';
import type { Step } from '../step';
import { keptSandboxes } from './kept-sandboxes';

export const cniCache: Step<'cni-cache', RemoveCniCache> = {
  name: 'cni-cache',
  required: false,
  plan({ config, snapshot, sandboxIds, steps }) {
    if (config.cniCacheDir === '') return { actions: [], note: 'no CNI cache dir configured' };
    const scan = snapshot.residue?.cniCache;
    if (!scan) return { actions: [], note: 'the CNI cache was not read' };
    const kept = keptSandboxes({ snapshot, sandboxIds, steps });
    if ('criError' in kept) return { actions: [], note: `the CRI is unreachable and the scope is restricted: which sandboxes stay is unknown, no cache file is removed (${kept.criError})` };
    const actions = scan.entries.filter((e) => !kept.keep.has(e.containerId)).map((e): RemoveCniCache => ({ action: 'remove-cni-cache', target: e.path, detail: { containerId: e.containerId, network: e.network, ifname: e.ifname, netns: e.netns } }));
    const keptCount = scan.entries.length - actions.length;
    const problems = scan.problems.length ? `; unreadable: ${scan.problems.join('; ')}` : '';
    if (actions.length === 0) return { actions, note: `no cache file of a dead sandbox in ${config.cniCacheDir}${keptCount ? ` (${keptCount} of live sandboxes kept)` : ''}${problems}` };
    return keptCount || problems ? { actions, note: `${keptCount} cache file(s) of live sandboxes kept${problems}` } : { actions };
  },
  async run(rec, ctx) {
    if (rec.step.actions.length === 0) return;
    // Only sandboxes containerd will never tear down again: a sandbox the CRI still lists gets its
    // CNI DEL when it is removed, and that DEL reads its cached result.
    const known = await criKnownSandboxIds(ctx.config, ctx.deps.cri);
    for (const a of actionsOf(rec.step.actions, 'remove-cni-cache')) {
      if ('criError' in known) {
        rec.record(a.action, a.target, 'skipped', 0, `left in place: the CRI is unreachable, and containerd may still tear sandbox ${a.detail.containerId.slice(0, 12)} down with it (${known.criError})`);
        continue;
      }
      if (known.ids.has(a.detail.containerId)) {
        rec.record(a.action, a.target, 'skipped', 0, `left in place: sandbox ${a.detail.containerId.slice(0, 12)} is still known to the CRI, whose teardown of it reads this file`);
        continue;
      }
      await rec.act(a.action, a.target, async () => removeStaleCacheFile({ path: a.target, containerId: a.detail.containerId, netns: a.detail.netns }, ctx.config.cniCacheDir, ctx.config.netnsDirs));
    }
  },
};
