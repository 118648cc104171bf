// firewall (opt-in): chains whose names carry a known Kubernetes/CNI prefix and the rules that
// jump to them, in every iptables backend the node has rules in (nft, legacy; IPv4, IPv6). The
// full rule set of every backend is saved into <state-dir>/backups/firewall/<id>/ first; if that
// fails nothing is changed. Opt-in: firewall rules are the operator's domain, and kube-proxy and
// the CNI plugin rebuild their chains anyway; only with scope all (remaining pods need theirs).
// Restore by hand: `iptables-nft-restore < <backup>/iptables-nft.rules`.
// Native nftables tables of known owners (host/nftables.ts: kube-proxy's nftables mode, Calico,
// Flannel, kube-network-policies; `firewallNftTables`) go whole, after `nft list ruleset` is saved
// into the same backup as nft.ruleset (restore: `nft -f nft.ruleset` on a node without them).
import { applyCleanup, planCleanup, saveAll, SavedRuleset, TableCleanup } from '../../host/firewall';
import { deleteNftTable, knownTables, type NftTable, saveNftRuleset, type SavedNftRuleset, tableKey } from '../../host/nftables';
import { actionsOf, type BackupRules, type RemoveChains, type RemoveNftTable } from '../actions';
import { newRunId } from '../backup';
import { writeKindBackup } from '../kind-backup';
import { isFailed } from '../residue';
import type { KindModule } from './kind';

export interface FirewallResidue {
  rulesets: SavedRuleset[];
  /** Per backend: what planCleanup would remove. */
  cleanups: { backend: string; tables: TableCleanup[] }[];
  /** `nft list ruleset` (absent: nft is not installed) and the listed tables found in it. */
  nft?: SavedNftRuleset & { known: NftTable[] };
}

const NFT = 'nft';

export const firewall: KindModule<'firewall', FirewallResidue, BackupRules | RemoveChains | RemoveNftTable> = {
  name: 'firewall',
  phase: 'after-pods',
  residueKind: 'firewall',
  async read(config, deps) {
    const rulesets = await saveAll(deps.netExec);
    const nft = await saveNftRuleset(deps.netExec);
    return {
      rulesets,
      cleanups: rulesets
        .map((r) => ({ backend: r.backend.name, tables: planCleanup(r.tables, config.firewallPrefixes) }))
        .filter((c) => c.tables.length > 0),
      ...(nft ? { nft: { ...nft, known: knownTables(nft.tables, config.firewallNftTables) } } : {}),
    };
  },
  plan({ config, scope }, r) {
    if (r === undefined) return { actions: [], note: 'the rule sets were not read' };
    if (isFailed(r)) return { actions: [], note: `the rule sets could not be read, nothing is changed: ${r.error}` };
    if (scope !== 'all') return { actions: [], note: 'scope is restricted: the firewall chains serve the pods that stay' };
    const nftKnown = r.nft?.known ?? [];
    if (r.cleanups.length === 0 && nftKnown.length === 0)
      return {
        actions: [],
        note: `no chain with a prefix ${config.firewallPrefixes.join(' ')} in ${r.rulesets.map((s) => s.backend.name).join(', ') || 'no iptables backend'}${r.nft ? `, no table ${config.firewallNftTables.join(', ') || '(none listed)'} in nft` : ''}`,
      };
    const actions: (BackupRules | RemoveChains | RemoveNftTable)[] = [
      {
        action: 'backup-rules',
        target: 'iptables',
        detail: { backends: [...r.rulesets.map((s) => s.backend.name), ...(r.nft ? [NFT] : [])] },
      },
    ];
    for (const c of r.cleanups) {
      for (const t of c.tables)
        actions.push({
          action: 'remove-chains',
          target: `${c.backend}/${t.table}`,
          detail: { backend: c.backend, table: t.table, chains: t.chains, jumps: t.jumps.length, rulesInChains: t.rulesInChains },
        });
    }
    for (const t of nftKnown)
      actions.push({ action: 'remove-nft-table', target: `${NFT}/${tableKey(t)}`, detail: { table: tableKey(t), chains: t.chains } });
    return { actions };
  },
  async run(rec, ctx) {
    const removals = actionsOf(rec.step.actions, 'remove-chains');
    const nftRemovals = actionsOf(rec.step.actions, 'remove-nft-table');
    if (removals.length === 0 && nftRemovals.length === 0) return;
    const exec = ctx.deps.hostTools?.netExec;
    const t0 = Date.now();
    const now = ctx.deps.now?.() ?? new Date();
    const id = newRunId(now);
    let rulesets;
    let nft;
    try {
      // Saved again now: the backup must hold what is replaced, not what was there at plan time.
      rulesets = await saveAll(exec);
      nft = await saveNftRuleset(exec);
      writeKindBackup(ctx.config.stateDir, 'firewall', id, ctx.node, now, [
        ...rulesets.map((s) => ({ name: `${s.backend.name}.rules`, data: s.text, source: s.backend.save })),
        ...(nft ? [{ name: 'nft.ruleset', data: nft.text, source: 'nft list ruleset' }] : []),
      ]);
    } catch (err) {
      const msg = (err as Error).message;
      rec.record('backup-rules', 'iptables', 'failed', Date.now() - t0, msg);
      for (const a of [...removals, ...nftRemovals])
        rec.record(a.action, a.target, 'skipped', 0, 'not changed: the rule sets could not be backed up');
      rec.reason = msg;
      return;
    }
    rec.record(
      'backup-rules',
      'iptables',
      'done',
      Date.now() - t0,
      `backup firewall/${id} (${[...rulesets.map((s) => s.backend.name), ...(nft ? [NFT] : [])].join(', ')})`,
    );
    rec.reason = `full rule sets backed up in ${ctx.config.stateDir}/backups/firewall/${id}`;
    for (const a of removals) {
      await rec.act(a.action, a.target, async () => {
        const set = rulesets.find((s) => s.backend.name === a.detail.backend);
        const c =
          set &&
          planCleanup(
            set.tables.filter((t) => t.name === a.detail.table),
            ctx.config.firewallPrefixes,
          )[0];
        if (!set || !c) return { outcome: 'gone', message: 'no Kubernetes chain left in this table' };
        await applyCleanup(set.backend, c, exec);
        return { outcome: 'done', message: `${c.chains.length} chain(s) and ${c.jumps.length} jump(s) removed` };
      });
    }
    for (const a of nftRemovals) {
      // The list is asked again: a table planned under another config is never deleted.
      if (!ctx.config.firewallNftTables.includes(a.detail.table)) {
        rec.record(a.action, a.target, 'skipped', 0, `not on the list of nftables tables: ${a.detail.table}`);
        continue;
      }
      await rec.act(a.action, a.target, async () => {
        const outcome = await deleteNftTable(a.detail.table, exec);
        return outcome === 'gone' ? { outcome, message: 'not there any more' } : { outcome, message: 'table deleted whole' };
      });
    }
  },
  check({ scope, steps }) {
    return steps.has('firewall') && scope === 'all' ? { action: 'check', target: 'firewall', detail: {} } : undefined;
  },
  async left(r) {
    if (r === undefined) return [];
    if (isFailed(r)) return [{ kind: 'firewall', target: 'iptables', why: `could not be checked: ${r.error}` }];
    return [
      ...r.cleanups.flatMap((c) =>
        c.tables.map((t) => ({
          kind: 'firewall' as const,
          target: `${c.backend}/${t.table}`,
          why: `${t.chains.length} Kubernetes/CNI chain(s) left: ${t.chains.slice(0, 8).join(', ')}${t.chains.length > 8 ? ' …' : ''}`,
        })),
      ),
      ...(r.nft?.known ?? []).map((t) => ({
        kind: 'firewall' as const,
        target: `${NFT}/${tableKey(t)}`,
        why: `nftables table of a known Kubernetes owner left (${t.chains.length} chain(s))`,
      })),
    ];
  },
  async inventory(r) {
    if (isFailed(r)) return { rows: { firewall: [] }, errors: [`firewall: ${r.error}`] };
    return {
      rows: {
        firewall: [
          ...(r?.cleanups ?? []).flatMap((c) =>
            c.tables.map((t) => ({ backend: c.backend, table: t.table, chains: t.chains, jumps: t.jumps.length })),
          ),
          ...(r?.nft?.known ?? []).map((t) => ({ backend: NFT, table: tableKey(t), chains: t.chains, jumps: 0 })),
        ],
      },
      errors: [],
    };
  },
};
