// links (on by default): CNI and kube-proxy links in the agent's network namespace whose names
// match the configured patterns — `cni0` keeping the old pod subnet is what makes the new
// cluster's pods fail ("cni0 already has an IP address different from …", flannel#820). The
// CNI plugin recreates them on the first pod. Only with scope all: the links are shared by every
// pod of the node, including those a restricted scope keeps. No patterns: no link is ever
// touched, so there is nothing to read or check (and no need for `ip`).
import { isInertFallback, LinkInfo, matchLinks, MatchedLink, readLinks, removeLink } from '../../host/links';
import { actionsOf, type RemoveLink } from '../actions';
import { isFailed } from '../residue';
import type { KindModule } from './kind';

export interface LinksResidue {
  /** Matching links a rejoin could trip over. */
  matched: MatchedLink[];
  /** Matching kernel fallback devices that are already down and addressless: left, not residue. */
  inert: MatchedLink[];
  all: LinkInfo[];
}

const linkInfo = (l: MatchedLink, inert: boolean) => ({
  name: l.name,
  kind: l.kind,
  up: l.up,
  addresses: l.addresses.map((a) => a.cidr),
  pattern: l.pattern,
  inert,
});

export const links: KindModule<'links', LinksResidue, RemoveLink> = {
  name: 'links',
  phase: 'after-pods',
  residueKind: 'link',
  async read(config, deps) {
    if (config.linkPatterns.length === 0) return undefined;
    const all = await readLinks(deps.netExec);
    const matched = matchLinks(all, config.linkPatterns);
    return { all, matched: matched.filter((l) => !isInertFallback(l)), inert: matched.filter(isInertFallback) };
  },
  plan({ config, scope }, r) {
    if (config.linkPatterns.length === 0) return { actions: [], note: 'no link patterns configured' };
    if (r === undefined) return { actions: [], note: 'links were not read' };
    if (isFailed(r)) return { actions: [], note: `links could not be read: ${r.error}` };
    if (scope !== 'all')
      return {
        actions: [],
        note: `scope is restricted: links are shared by the pods that stay (${r.matched.map((l) => l.name).join(', ') || 'none matching'})`,
      };
    const actions: RemoveLink[] = r.matched.map((l): RemoveLink => ({
      action: 'remove-link',
      target: l.name,
      detail: { kind: l.kind, pattern: l.pattern, addresses: l.addresses.map((a) => a.cidr), up: l.up },
    }));
    const inert = r.inert.length ? `; left as they are (kernel devices, down, no address): ${r.inert.map((l) => l.name).join(', ')}` : '';
    return actions.length
      ? { actions, ...(inert ? { note: inert.slice(2) } : {}) }
      : { actions, note: `no link matches ${config.linkPatterns.length} pattern(s)${inert}` };
  },
  async run(rec, ctx) {
    for (const a of actionsOf(rec.step.actions, 'remove-link')) {
      await rec.act(a.action, a.target, () => removeLink(a.target, ctx.deps.hostTools?.netExec));
    }
  },
  check({ config, scope, steps }) {
    return steps.has('links') && scope === 'all' && config.linkPatterns.length > 0
      ? { action: 'check', target: 'links', detail: {} }
      : undefined;
  },
  async left(r) {
    if (r === undefined) return [];
    if (isFailed(r)) return [{ kind: 'link', target: 'links', why: `could not be checked: ${r.error}` }];
    return r.matched.map((m) => ({
      kind: 'link',
      target: m.name,
      why: `${m.kind || 'link'} matching ${m.pattern} still present${m.up ? ', up' : ''}${m.addresses.length ? ` with ${m.addresses.map((a) => a.cidr).join(', ')}` : ''}`,
    }));
  },
  async inventory(r) {
    if (isFailed(r)) return { rows: { links: [] }, errors: [`links: ${r.error}`] };
    return {
      rows: { links: r ? [...r.matched.map((l) => linkInfo(l, false)), ...r.inert.map((l) => linkInfo(l, true))] : [] },
      errors: [],
    };
  },
};
