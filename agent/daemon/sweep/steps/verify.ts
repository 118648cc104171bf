// verify: is the node clean? One check per kind of residue; the verification (every item left,
// with why) reaches the report through the run context. It checks only what this run was meant
// to clean: netns only with remove-netns, manifests only with backup-manifests, and each cleanup
// kind as its module says (kinds/).
import { isCleanupKind, type CleanupKind } from '../../../shared/kinds';
import { actionsOf, type Check } from '../actions';
import { kindChecks, kindNamed, residueLeft } from '../kinds';
import type { Step } from '../step';
import type { ResidueKind } from '../types';
import { verifyNode } from '../verify-node';

/** Which residue each check reports: the core checks here, each kind's from its module. */
const CORE_RESIDUE: Record<Exclude<Check['target'], CleanupKind>, readonly ResidueKind[]> = {
  ports: ['port'],
  pods: ['sandbox', 'container'],
  shims: ['shim'],
  netns: ['netns'],
  manifests: ['manifest'],
};
const residueOf = (target: Check['target']): readonly ResidueKind[] =>
  isCleanupKind(target) ? [kindNamed(target).residueKind] : CORE_RESIDUE[target];

export const verify: Step<'verify', Check> = {
  name: 'verify',
  required: false,
  plan(p) {
    const { snapshot, scope, expectFreePorts, steps } = p;
    const ports = [...new Set([...expectFreePorts, ...snapshot.podPorts])].sort((a, b) => a - b);
    const actions: Check[] = [
      { action: 'check', target: 'ports', detail: { ports, fromPods: snapshot.podPorts } },
      { action: 'check', target: 'pods', detail: { scope } },
      { action: 'check', target: 'shims', detail: {} },
    ];
    if (steps.has('remove-netns')) actions.push({ action: 'check', target: 'netns', detail: {} });
    if (steps.has('backup-manifests')) actions.push({ action: 'check', target: 'manifests', detail: {} });
    // Each kind checks itself when it ran and the scope is all (a restricted scope leaves shared
    // state alone on purpose); an enabled kubelet unit always, when there is systemd to ask.
    actions.push(...kindChecks(p));
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
    const kinds = new Set<CleanupKind>([...checks].filter(isCleanupKind));
    if (kinds.size) {
      const more = await residueLeft(ctx.config, kinds, ctx.deps.cri, ctx.deps.hostTools);
      verification.residue.push(...more);
      if (more.length) verification.verdict = 'residue';
    }
    ctx.verification = verification;
    for (const a of planned) {
      const kinds = residueOf(a.target);
      const left = verification.residue.filter((r) => kinds.includes(r.kind));
      rec.record(a.action, a.target, 'done', Date.now() - t, left.length ? `${left.length} residue item(s)` : 'clean');
    }
    rec.reason = `verdict ${verification.verdict}`;
  },
};
