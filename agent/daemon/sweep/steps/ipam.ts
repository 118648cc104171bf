// ipam (on by default): host-local reservations whose container id is not a live sandbox of this
// containerd. Pods removed without a CNI DEL (containerd killed, the CRI down during the reset,
// a failed teardown) keep their addresses; with a small range the next pods get "no IP
// addresses available in range set". The plugin's bookkeeping (last_reserved_ip.N, lock) stays.
// Runs after the pod steps, and looks again at which sandboxes are alive before each release.
import { releaseStaleReservation } from '../../host/ipam';
import { actionsOf, type ReleaseIp } from '../actions';
import { liveSandboxIds } from '../residue';
import { keptSandboxes } from './kept-sandboxes';
import type { Step } from '../step';

export const ipam: Step<'ipam', ReleaseIp> = {
  name: 'ipam',
  required: false,
  plan({ config, snapshot, sandboxIds, steps }) {
    const scan = snapshot.residue?.ipam;
    if (!scan) return { actions: [], note: 'IPAM reservations were not read' };
    // Sandboxes this run leaves alive keep their addresses.
    const kept = keptSandboxes({ snapshot, sandboxIds, steps });
    if ('criError' in kept) return { actions: [], note: `the CRI is unreachable and the scope is restricted: which sandboxes stay is unknown, no reservation is released (${kept.criError})` };
    const keep = kept.keep;
    const actions: ReleaseIp[] = scan.reservations
      .filter((r) => !keep.has(r.containerId))
      .map((r): ReleaseIp => ({ action: 'release-ip', target: r.path, detail: { ip: r.ip, network: r.network, containerId: r.containerId, ...(r.ifname ? { ifname: r.ifname } : {}) } }));
    const keptCount = scan.reservations.length - actions.length;
    const problems = scan.problems.length ? `; unreadable: ${scan.problems.join('; ')}` : '';
    if (actions.length === 0) return { actions, note: `no reservation of a dead sandbox in ${config.cniIpamDirs.join(', ') || '(no IPAM dirs)'}${keptCount ? ` (${keptCount} of live sandboxes kept)` : ''}${problems}` };
    return keptCount || problems ? { actions, note: `${keptCount} reservation(s) of live sandboxes kept${problems}` } : { actions };
  },
  async run(rec, ctx) {
    if (rec.step.actions.length === 0) return;
    const live = await liveSandboxIds(ctx.config, ctx.deps.cri);
    if (live.criError) rec.reason = `the CRI is unreachable: only sandboxes with a live shim count as alive (${live.criError})`;
    for (const a of actionsOf(rec.step.actions, 'release-ip')) {
      const id = a.detail.containerId;
      if (live.ids.has(id)) {
        rec.record(a.action, a.target, 'skipped', 0, `its sandbox ${id.slice(0, 12)} is alive`);
        continue;
      }
      await rec.act(a.action, a.target, async () => releaseStaleReservation({ path: a.target, containerId: id }, ctx.config.cniIpamDirs));
    }
  },
};
