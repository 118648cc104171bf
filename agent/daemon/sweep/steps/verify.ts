// Step 6: is the node clean? One check per kind of residue; the verification (every item left,
// with why) reaches the report through the run context. It checks only what this run was meant
// to clean: netns only with remove-netns, manifests only with backup-manifests.
import { CLEANUP_KINDS, CleanupKind, isCleanupKind } from '../../../shared/kinds';
import { actionsOf, type Check } from '../actions';
import type { Step } from '../step';
import type { ResidueKind } from '../types';
import { verifyNode } from '../verify';
import { residueLeft } from '../verify-residue';

/** Which residue each check reports. */
const RESIDUE_OF: Record<Check['target'], readonly ResidueKind[]> = {
  ports: ['port'],
  pods: ['sandbox', 'container'],
  shims: ['shim'],
  netns: ['netns'],
  manifests: ['manifest'],
  links: ['link'],
  ipam: ['ipam'],
  'cni-cache': ['cni-cache'],
  'kubelet-mounts': ['kubelet-mount'],
  'cni-config': ['cni-config'],
  firewall: ['firewall'],
  'kubelet-unit': ['kubelet-unit'],
};

export const verify: Step<'verify', Check> = {
  name: 'verify',
  required: false,
  plan({ config, snapshot, scope, expectFreePorts, steps }) {
    const ports = [...new Set([...expectFreePorts, ...snapshot.podPorts])].sort((a, b) => a - b);
    const actions: Check[] = [
      { action: 'check', target: 'ports', detail: { ports, fromPods: snapshot.podPorts } },
      { action: 'check', target: 'pods', detail: { scope } },
      { action: 'check', target: 'shims', detail: {} },
    ];
    if (steps.has('remove-netns')) actions.push({ action: 'check', target: 'netns', detail: {} });
    if (steps.has('backup-manifests')) actions.push({ action: 'check', target: 'manifests', detail: {} });
    // Each rejoin kind that ran, when the scope is all (a restricted scope leaves shared state
    // alone on purpose); an enabled kubelet unit always, when there is systemd to ask.
    for (const k of CLEANUP_KINDS) {
      if (k !== 'kubelet-unit' && steps.has(k) && scope === 'all' && !(k === 'links' && config.linkPatterns.length === 0)) actions.push({ action: 'check', target: k, detail: {} });
    }
    if (config.kubeletUnit !== '' && snapshot.systemd) actions.push({ action: 'check', target: 'kubelet-unit', detail: { unit: config.kubeletUnit } });
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
      const kinds = RESIDUE_OF[a.target];
      const left = verification.residue.filter((r) => kinds.includes(r.kind));
      rec.record(a.action, a.target, 'done', Date.now() - t, left.length ? `${left.length} residue item(s)` : 'clean');
    }
    rec.reason = `verdict ${verification.verdict}`;
  },
};
