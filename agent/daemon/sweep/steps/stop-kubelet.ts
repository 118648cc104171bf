// Step 1: stop the kubelet so it cannot recreate static pods or re-register the node.
import { stopUnit } from '../../host/systemctl';
import type { RunContext, StepRecorder } from '../recorder';

export async function runStopKubelet(rec: StepRecorder, _ctx: RunContext): Promise<void> {
  for (const a of rec.step.actions) {
    await rec.act(a.action, a.target, async () => stopUnit(a.target));
  }
}
