// ipam (on by default): host-local reservations whose container id is not a live sandbox of this
// containerd (liveness.ts). Pods removed without a CNI DEL (containerd killed, the CRI down during
// the reset, a failed teardown) keep their addresses; with a small range the next pods get "no IP
// addresses available in range set". The plugin's bookkeeping (last_reserved_ip.N, lock) stays.
// Runs after the pod steps, and applies the liveness rule again right before each release. With
// the CRI unreachable only live shims are known: a run that ends every sandbox still releases
// (every sandbox goes, and a later DEL of one the CRI lists releases nothing twice); a restricted
// scope cannot know which sandboxes stay, and releases nothing.
import { IpamScan, releaseStaleReservation, scanReservations, staleReservations } from '../../host/ipam';
import { actionsOf, type LeaveEntry, type ReleaseIp } from '../actions';
import { leaveEntries, leaveEntryActions } from '../steps/leave-entry';
import { livenessAfterPods, livenessNow } from '../liveness';
import { isFailed } from '../residue';
import type { Residue } from '../types';
import type { KindModule } from './kind';

const unknownKept = (err: string) =>
  `the CRI is unreachable and the scope is restricted: which sandboxes stay is unknown, no reservation is released (${err})`;

export const ipam: KindModule<'ipam', IpamScan, ReleaseIp | LeaveEntry> = {
  name: 'ipam',
  phase: 'after-pods',
  residueKind: 'ipam',
  read: (config) => scanReservations(config.cniIpamDirs, config.procRoot),
  plan(p, scan) {
    const { config } = p;
    if (!scan) return { actions: [], note: 'IPAM reservations were not read' };
    if (isFailed(scan)) return { actions: [], note: `IPAM reservations could not be read: ${scan.error}` };
    // Sandboxes this run leaves alive keep their addresses.
    const live = livenessAfterPods(p);
    if (live.criError !== undefined && !live.runEndsAll) return { actions: [], note: unknownKept(live.criError) };
    const odd = leaveEntryActions(scan.odd ?? []);
    const actions: (ReleaseIp | LeaveEntry)[] = scan.reservations
      .filter((r) => !live.alive.has(r.containerId))
      .map((r): ReleaseIp => ({
        action: 'release-ip',
        target: r.path,
        detail: { ip: r.ip, network: r.network, containerId: r.containerId, ...(r.ifname ? { ifname: r.ifname } : {}) },
      }));
    const keptCount = scan.reservations.length - actions.length;
    actions.push(...odd);
    const problems = scan.problems.length ? `; unreadable: ${scan.problems.join('; ')}` : '';
    if (actions.length === 0)
      return {
        actions,
        note: `no reservation of a dead sandbox in ${config.cniIpamDirs.join(', ') || '(no IPAM dirs)'}${keptCount ? ` (${keptCount} of live sandboxes kept)` : ''}${problems}`,
      };
    return keptCount || problems ? { actions, note: `${keptCount} reservation(s) of live sandboxes kept${problems}` } : { actions };
  },
  async run(rec, ctx) {
    leaveEntries(rec);
    if (actionsOf(rec.step.actions, 'release-ip').length === 0) return;
    const live = await livenessNow(ctx.config, ctx.deps.cri);
    if (live.criError !== undefined)
      rec.reason = `the CRI is unreachable: only sandboxes with a live shim count as alive (${live.criError})`;
    for (const a of actionsOf(rec.step.actions, 'release-ip')) {
      const id = a.detail.containerId;
      if (live.criError !== undefined && ctx.scope !== 'all') {
        rec.record(a.action, a.target, 'skipped', 0, `left in place: ${unknownKept(live.criError)}`);
        continue;
      }
      if (live.alive.has(id)) {
        rec.record(a.action, a.target, 'skipped', 0, `its sandbox ${id.slice(0, 12)} is alive`);
        continue;
      }
      await rec.act(a.action, a.target, async () => releaseStaleReservation({ path: a.target, containerId: id }, ctx.config.cniIpamDirs));
    }
  },
  check({ scope, steps }) {
    return steps.has('ipam') && scope === 'all' ? { action: 'check', target: 'ipam', detail: {} } : undefined;
  },
  async left(scan, look): Promise<Residue[]> {
    if (scan === undefined) return [];
    if (isFailed(scan)) return [{ kind: 'ipam', target: look.config.cniIpamDirs.join(', '), why: `could not be checked: ${scan.error}` }];
    const live = await look.liveness();
    const odd = (scan.odd ?? []).map((o) => ({ kind: 'ipam' as const, target: o.path, why: o.why }));
    return [
      ...odd,
      ...staleReservations(scan.reservations, live.alive).map((r): Residue => ({
        kind: 'ipam',
        target: r.path,
        why: `${r.ip} on network ${r.network} still reserved for ${r.containerId.slice(0, 12)}, which is not a live sandbox${live.criError ? ' (the CRI is unreachable: only live shims counted)' : ''}`,
      })),
    ];
  },
  async inventory(scan, look) {
    if (isFailed(scan)) return { rows: { ipReservations: [] }, errors: [`ipam: ${scan.error}`] };
    const live = await look.liveness();
    return {
      rows: {
        ipReservations: (scan?.reservations ?? []).map((x) => ({
          path: x.path,
          network: x.network,
          ip: x.ip,
          containerId: x.containerId,
          live: live.alive.has(x.containerId),
        })),
      },
      errors: [
        ...(live.criError !== undefined ? ['ipam: the CRI is unreachable: only sandboxes with a live shim count as live'] : []),
        ...(scan?.problems ?? []).map((p) => `ipam: ${p}`),
      ],
    };
  },
};
