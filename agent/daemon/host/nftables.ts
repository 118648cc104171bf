// Native nftables tables of known Kubernetes owners. kube-proxy's nftables mode (GA in 1.33),
// Calico's and Flannel's nft modes and kube-network-policies keep their rules in tables of their
// own, which the iptables side of the firewall kind (host/firewall.ts, chains by prefix) never
// sees. They are removed whole (`nft delete table FAMILY NAME`), only when their family and name
// are on the list, after the full `nft list ruleset` (restorable with `nft -f`) is saved; every
// other table, iptables-nft's own (`ip filter`, `ip nat` …) included, is left as it is.
// Cilium has no native table: its rules are iptables chains (CILIUM_*), which the prefix list covers.
import { ksError } from '../../shared/errors';
import { Exec, runCommand, toolError } from './exec';

/** `FAMILY NAME` of the tables a reset removes by default, with their owner (docs/rejoin.md). */
export const KNOWN_NFT_TABLES: readonly { table: string; owner: string }[] = Object.freeze([
  { table: 'ip kube-proxy', owner: 'kube-proxy (nftables mode)' },
  { table: 'ip6 kube-proxy', owner: 'kube-proxy (nftables mode)' },
  { table: 'ip calico', owner: 'Calico (nftables data plane)' },
  { table: 'ip6 calico', owner: 'Calico (nftables data plane)' },
  { table: 'ip flannel-ipv4', owner: 'Flannel (EnableNFTables)' },
  { table: 'ip6 flannel-ipv6', owner: 'Flannel (EnableNFTables)' },
  { table: 'inet kube-network-policies', owner: 'kube-network-policies' },
]);

export const DEFAULT_NFT_TABLES: readonly string[] = Object.freeze(KNOWN_NFT_TABLES.map((t) => t.table));

export const NFT_FAMILIES: readonly string[] = Object.freeze(['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev']);
const NAME = /^[A-Za-z][A-Za-z0-9_./-]{0,63}$/;

/** Whether `FAMILY NAME` names an nftables table nft accepts as one argument pair. */
export function isNftTableName(s: string): boolean {
  const [family, name, extra] = s.split(' ');
  return extra === undefined && NFT_FAMILIES.includes(family ?? '') && NAME.test(name ?? '');
}

export interface NftTable {
  family: string;
  name: string;
  /** Its chains, in the order `nft list ruleset` prints them. */
  chains: string[];
}

/** The tables and their chains in `nft list ruleset` output (pure). */
export function parseNftRuleset(text: string): NftTable[] {
  const out: NftTable[] = [];
  let cur: NftTable | undefined;
  for (const line of text.split('\n')) {
    const t = /^table (\S+) (\S+) \{$/.exec(line);
    if (t) {
      cur = { family: t[1], name: t[2], chains: [] };
      out.push(cur);
      continue;
    }
    if (line === '}') cur = undefined;
    const c = /^\tchain (\S+) \{$/.exec(line);
    if (c && cur) cur.chains.push(c[1]);
  }
  return out;
}

export const tableKey = (t: { family: string; name: string }): string => `${t.family} ${t.name}`;

/** The tables of `tables` that are on the list (whole-name match of family and name). */
export function knownTables(tables: readonly NftTable[], list: readonly string[]): NftTable[] {
  const want = new Set(list);
  return tables.filter((t) => want.has(tableKey(t)));
}

export interface SavedNftRuleset {
  text: string;
  tables: NftTable[];
}

/** `nft list ruleset`; undefined when nft is not installed. A failing nft throws (nothing may change unsaved). */
export async function saveNftRuleset(exec: Exec = runCommand): Promise<SavedNftRuleset | undefined> {
  let r;
  try {
    r = await exec(['nft', 'list', 'ruleset']);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if (r.code !== 0) throw ksError('KS_FIREWALL_FAILED', `nft list ruleset failed: ${toolError(r)}`, { tool: 'nft' });
  return { text: r.stdout, tables: parseNftRuleset(r.stdout) };
}

/** Delete one whole table (one nft transaction); 'gone' when it is not there any more. */
export async function deleteNftTable(key: string, exec: Exec = runCommand): Promise<'done' | 'gone'> {
  if (!isNftTableName(key)) throw ksError('KS_FIREWALL_FAILED', `not an nftables table name: ${JSON.stringify(key)}`, { table: key });
  const [family, name] = key.split(' ') as [string, string];
  const now = await saveNftRuleset(exec);
  if (!now || !now.tables.some((t) => t.family === family && t.name === name)) return 'gone';
  const r = await exec(['nft', 'delete', 'table', family, name]);
  if (r.code !== 0)
    throw ksError('KS_FIREWALL_FAILED', `nft delete table ${key} failed, the table is unchanged: ${toolError(r)}`, {
      tool: 'nft',
      table: key,
    });
  return 'done';
}
