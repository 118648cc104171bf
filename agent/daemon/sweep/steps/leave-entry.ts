// leave-entry: an entry of a cleaned dir that is not what its kind expects (a mount where none
// belongs, a FIFO, a socket, a device…) is never opened or followed: the plan names it with why,
// the run leaves it and reports it, and verify counts it as residue (docs/security.md, "Odd
// entries in a cleaned dir"). One odd entry never stops the rest of a reset.
import type { OddEntry } from '../../host/paths';
import { actionsOf, type LeaveEntry } from '../actions';
import type { StepRecorder } from '../recorder';

export function leaveEntryActions(odd: readonly OddEntry[]): LeaveEntry[] {
  return odd.map((o) => ({ action: 'leave-entry', target: o.path, detail: { type: o.type, blockedBy: [o.why] } }));
}

/** Records each planned leave-entry as left in place, with why. */
export function leaveEntries(rec: StepRecorder): void {
  for (const a of actionsOf(rec.step.actions, 'leave-entry'))
    rec.record(a.action, a.target, 'skipped', 0, `left in place: ${a.detail.blockedBy[0]}`);
}
