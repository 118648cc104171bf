// kubelet-unit (opt-in): disable the kubelet unit, so a reboot does not bring the kubelet back to
// re-register the node that was just removed (kubeadm#1194). Opt-in because it changes what the
// machine starts at boot; when not asked, verify still reports an enabled kubelet as residue
// (check() asks whenever a unit is configured and systemd runs).
import { disableUnit, systemdRunning, UnitEnablement, unitEnablement } from '../../host/systemctl';
import { actionsOf, type DisableUnit } from '../actions';
import { isFailed } from '../residue';
import type { KindModule } from './kind';

export const kubeletUnit: KindModule<'kubelet-unit', UnitEnablement, DisableUnit> = {
  name: 'kubelet-unit',
  phase: 'before-pods',
  residueKind: 'kubelet-unit',
  async read(config, deps) {
    if (config.kubeletUnit === '' || !systemdRunning(deps.systemdRunDir)) return undefined;
    return unitEnablement(config.kubeletUnit, { runDir: deps.systemdRunDir, systemctl: deps.systemctl });
  },
  plan({ config, snapshot }, u) {
    if (config.kubeletUnit === '') return { actions: [], note: 'no kubelet unit configured' };
    if (!snapshot.systemd) return { actions: [], note: 'systemd is not running on this node: nothing to disable' };
    if (isFailed(u))
      return { actions: [{ action: 'disable-unit', target: config.kubeletUnit, detail: { state: 'unknown', error: u.error } }] };
    if (!u || u.state !== 'enabled')
      return { actions: [], note: `${config.kubeletUnit} is not enabled (${u?.unitFileState || u?.state || 'unknown'})` };
    return { actions: [{ action: 'disable-unit', target: config.kubeletUnit, detail: { state: u.unitFileState } }] };
  },
  async run(rec, ctx) {
    const h = ctx.deps.hostTools;
    for (const a of actionsOf(rec.step.actions, 'disable-unit'))
      await rec.act(a.action, a.target, () => disableUnit(a.target, { runDir: h?.systemdRunDir, systemctl: h?.systemctl }));
  },
  check({ config, snapshot }) {
    return config.kubeletUnit !== '' && snapshot.systemd
      ? { action: 'check', target: 'kubelet-unit', detail: { unit: config.kubeletUnit } }
      : undefined;
  },
  async left(u, { config }) {
    if (isFailed(u)) return [{ kind: 'kubelet-unit', target: config.kubeletUnit, why: `could not be checked: ${u.error}` }];
    if (u?.state !== 'enabled') return [];
    return [
      {
        kind: 'kubelet-unit',
        target: config.kubeletUnit,
        why: `${config.kubeletUnit} is ${u.unitFileState}: it starts at boot and re-registers the node (reset --with kubelet-unit disables it)`,
      },
    ];
  },
  async inventory(u) {
    if (isFailed(u)) return { rows: { kubeletUnitState: '' }, errors: [`kubelet-unit: ${u.error}`] };
    return { rows: { kubeletUnitState: u?.state === 'no-systemd' ? '' : (u?.state ?? '') }, errors: [] };
  },
};
