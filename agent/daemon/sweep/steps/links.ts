// links (on by default): CNI and kube-proxy links in the agent's network namespace whose names
// match the configured patterns — `cni0` keeping the old pod subnet is what makes the new
// cluster's pods fail ("cni0 already has an IP address different from …", flannel#820). The
// CNI plugin recreates them on the first pod. Only with scope all: the links are shared by every
// pod of the node, including those a restricted scope keeps.
import { removeLink } from '../../host/links';
import { actionsOf, type RemoveLink } from '../actions';
import { isFailed } from '../residue';
import type { Step } from '../step';

export const links: Step<'links', RemoveLink> = {
  name: 'links',
  required: false,
  plan({ config, snapshot, scope }) {
    const r = snapshot.residue?.links;
    if (config.linkPatterns.length === 0) return { actions: [], note: 'no link patterns configured' };
    if (r === undefined) return { actions: [], note: 'links were not read' };
    if (isFailed(r)) return { actions: [], note: `links could not be read: ${r.error}` };
    if (scope !== 'all') return { actions: [], note: `scope is restricted: links are shared by the pods that stay (${r.matched.map((l) => l.name).join(', ') || 'none matching'})` };
    const actions: RemoveLink[] = r.matched.map((l): RemoveLink => ({
      action: 'remove-link',
      target: l.name,
      detail: { kind: l.kind, pattern: l.pattern, addresses: l.addresses.map((a) => a.cidr), up: l.up },
    }));
    const inert = r.inert.length ? `; left as they are (kernel devices, down, no address): ${r.inert.map((l) => l.name).join(', ')}` : '';
    return actions.length ? { actions, ...(inert ? { note: inert.slice(2) } : {}) } : { actions, note: `no link matches ${config.linkPatterns.length} pattern(s)${inert}` };
  },
  async run(rec, ctx) {
    for (const a of actionsOf(rec.step.actions, 'remove-link')) {
      await rec.act(a.action, a.target, () => removeLink(a.target, ctx.deps.hostTools?.netExec));
    }
  },
};
