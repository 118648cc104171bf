// stop-kubelet: stop the kubelet so it cannot recreate static pods or re-register the node.
// Required: with the kubelet still running, static pods come back as soon as they are removed.
import { stopUnit } from '../../host/systemctl';
import { actionsOf, type StopUnit } from '../actions';
import type { Step } from '../step';

export const stopKubelet: Step<'stop-kubelet', StopUnit> = {
  name: 'stop-kubelet',
  required: true,
  plan({ config, snapshot }) {
    if (config.kubeletUnit === '') return { actions: [], note: 'no kubelet unit configured' };
    if (!snapshot.systemd) return { actions: [], note: 'systemd is not running on this node: nothing to stop' };
    return { actions: [{ action: 'stop-unit', target: config.kubeletUnit }] };
  },
  async run(rec) {
    for (const a of actionsOf(rec.step.actions, 'stop-unit')) {
      await rec.act(a.action, a.target, async () => stopUnit(a.target));
    }
  },
};
