// kubelet-unit (opt-in): disable the kubelet unit, so a reboot does not bring the kubelet back to
// re-register the node that was just removed (kubeadm#1194). Opt-in because it changes what the
// machine starts at boot; when not asked, verify still reports an enabled kubelet as residue.
import { disableUnit } from '../../host/systemctl';
import { isFailed } from '../residue';
import { actionsOf, type DisableUnit } from '../actions';
import type { Step } from '../step';

export const kubeletUnit: Step<'kubelet-unit', DisableUnit> = {
  name: 'kubelet-unit',
  required: false,
  plan({ config, snapshot }) {
    if (config.kubeletUnit === '') return { actions: [], note: 'no kubelet unit configured' };
    if (!snapshot.systemd) return { actions: [], note: 'systemd is not running on this node: nothing to disable' };
    const u = snapshot.residue?.kubeletUnit;
    if (isFailed(u)) return { actions: [{ action: 'disable-unit', target: config.kubeletUnit, detail: { state: 'unknown', error: u.error } }] };
    if (!u || u.state !== 'enabled') return { actions: [], note: `${config.kubeletUnit} is not enabled (${u?.unitFileState || u?.state || 'unknown'})` };
    return { actions: [{ action: 'disable-unit', target: config.kubeletUnit, detail: { state: u.unitFileState } }] };
  },
  async run(rec, ctx) {
    const h = ctx.deps.hostTools;
    for (const a of actionsOf(rec.step.actions, 'disable-unit')) await rec.act(a.action, a.target, () => disableUnit(a.target, { runDir: h?.systemdRunDir, systemctl: h?.systemctl }));
  },
};
