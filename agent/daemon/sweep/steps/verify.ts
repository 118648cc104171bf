// Step 6: is the node clean? One check per kind of residue; the verification (every item left,
// with why) reaches the report through the run context. It checks only what this run was meant
// to clean: netns only with remove-netns, manifests only with backup-manifests.
import { actionsOf, type Check } from '../actions';
import type { Step } from '../step';
import type { ResidueKind } from '../types';
import { verifyNode } from '../verify';

/** Which residue each check reports. */
const RESIDUE_OF: Record<Check['target'], readonly ResidueKind[]> = {
  ports: ['port'],
  pods: ['sandbox', 'container'],
  shims: ['shim'],
  netns: ['netns'],
  manifests: ['manifest'],
};

export const verify: Step<'verify', Check> = {
  name: 'verify',
  required: false,
  plan({ snapshot, scope, expectFreePorts, steps }) {
    const ports = [...new Set([...expectFreePorts, ...snapshot.podPorts])].sort((a, b) => a - b);
    const actions: Check[] = [
      { action: 'check', target: 'ports', detail: { ports, fromPods: snapshot.podPorts } },
      { action: 'check', target: 'pods', detail: { scope } },
      { action: 'check', target: 'shims', detail: {} },
    ];
    if (steps.has('remove-netns')) actions.push({ action: 'check', target: 'netns', detail: {} });
    if (steps.has('backup-manifests')) actions.push({ action: 'check', target: 'manifests', detail: {} });
    return { actions };
  },
  async run(rec, ctx) {
    const t = Date.now();
    const planned = actionsOf(rec.step.actions, 'check');
    const checks = new Set(planned.map((a) => a.target));
    const ports = planned.flatMap((a) => (a.target === 'ports' ? a.detail.ports : []));
    const verification = await verifyNode({
      config: ctx.config,
      cri: ctx.deps.cri,
      checkPorts: ctx.deps.checkPorts,
      ports,
      scope: ctx.scope,
      checks: { pods: checks.has('pods'), shims: checks.has('shims'), netns: checks.has('netns'), manifests: checks.has('manifests') },
    });
    ctx.verification = verification;
    for (const a of planned) {
      const kinds = RESIDUE_OF[a.target];
      const left = verification.residue.filter((r) => kinds.includes(r.kind));
      rec.record(a.action, a.target, 'done', Date.now() - t, left.length ? `${left.length} residue item(s)` : 'clean');
    }
    rec.reason = `verdict ${verification.verdict}`;
  },
};
