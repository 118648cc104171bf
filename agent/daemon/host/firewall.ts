// kube-proxy and CNI firewall rules. kubeadm only prints "clean your iptables yourself"
// (kubeadm#2587) and a blind `iptables -F` has cut operators off their nodes (kubespray#6119),
// so kubesweep removes exactly the chains whose names carry a known Kubernetes/CNI prefix and
// the rules elsewhere that jump to them — nothing else. It reads the rule set with
// iptables-save, computes the change as data (pure), and applies it with
// `iptables-restore --noflush` (one transaction per table: every other chain, rule, policy
// and counter stays as it was). Both backends are looked at, nft and legacy, IPv4 and IPv6:
// a node uses one of them (or, mid-migration, both), and each is cleaned where it has rules.
import { ksError } from '../../shared/errors';
import { Exec, runCommand, toolError } from './exec';

/** Chain-name prefixes of kube-proxy, kube-router, the CNI plugins, Calico, Flannel, Cilium, Weave. */
export const DEFAULT_FIREWALL_PREFIXES: readonly string[] = Object.freeze([
  'KUBE-',
  'CNI-',
  'cali-',
  'FLANNEL',
  'CILIUM',
  'OLD_CILIUM',
  'WEAVE',
]);

const BUILTIN_CHAINS = new Set(['INPUT', 'OUTPUT', 'FORWARD', 'PREROUTING', 'POSTROUTING']);

export interface SavedRule {
  chain: string;
  /** The rule as iptables-save prints it after `-A CHAIN `. */
  spec: string;
  /** Its -j/-g target, if any. */
  target?: string;
}

export interface SavedTable {
  name: string;
  /** Chains in declaration order, with their policy (`-` for user chains). */
  chains: { name: string; policy: string }[];
  rules: SavedRule[];
}

/** Split a rule spec into words as the shell would (iptables-save quotes with "…", escapes \"). */
export function splitRule(spec: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < spec.length; i++) {
    const c = spec[i];
    if (quoted) {
      if (c === '\\' && i + 1 < spec.length) cur += spec[++i];
      else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"') {
      quoted = true;
      inWord = true;
    } else if (c === ' ' || c === '\t') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += c;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

function targetOf(words: readonly string[]): string | undefined {
  for (let i = 0; i < words.length - 1; i++)
    if (words[i] === '-j' || words[i] === '-g' || words[i] === '--jump' || words[i] === '--goto') return words[i + 1];
  return undefined;
}

/** Parse iptables-save / ip6tables-save output (either backend). Comments and counters are dropped. */
export function parseIptablesSave(text: string): SavedTable[] {
  const tables: SavedTable[] = [];
  let cur: SavedTable | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('*')) {
      cur = { name: line.slice(1), chains: [], rules: [] };
      tables.push(cur);
    } else if (line === 'COMMIT') cur = undefined;
    else if (!cur) throw ksError('KS_FIREWALL_FAILED', `iptables-save: line outside a table: ${line}`);
    else if (line.startsWith(':')) {
      const [name = '', policy = '-'] = line.slice(1).split(' ');
      cur.chains.push({ name, policy });
    } else if (line.startsWith('-A ')) {
      const rest = line.slice(3);
      const sp = rest.indexOf(' ');
      const chain = sp < 0 ? rest : rest.slice(0, sp);
      const spec = sp < 0 ? '' : rest.slice(sp + 1);
      const target = targetOf(splitRule(spec));
      cur.rules.push({ chain, spec, ...(target ? { target } : {}) });
    } else throw ksError('KS_FIREWALL_FAILED', `iptables-save: unexpected line in table ${cur.name}: ${line}`);
  }
  return tables;
}

export function isKubeChain(name: string, prefixes: readonly string[]): boolean {
  return !BUILTIN_CHAINS.has(name) && prefixes.some((p) => name.startsWith(p));
}

export interface TableCleanup {
  table: string;
  /** User chains to flush and delete. */
  chains: string[];
  /** Rules in kept chains that jump to a removed chain (deleted by their exact spec). */
  jumps: SavedRule[];
  /** Rules inside the removed chains (they go with their chain). */
  rulesInChains: number;
}

/** What to remove from each table: data, computed from a saved rule set. Tables with nothing to do are absent. */
export function planCleanup(tables: readonly SavedTable[], prefixes: readonly string[]): TableCleanup[] {
  const out: TableCleanup[] = [];
  for (const t of tables) {
    const chains = t.chains.map((c) => c.name).filter((n) => isKubeChain(n, prefixes));
    if (chains.length === 0) continue;
    const gone = new Set(chains);
    out.push({
      table: t.name,
      chains,
      jumps: t.rules.filter((r) => !gone.has(r.chain) && r.target !== undefined && gone.has(r.target)),
      rulesInChains: t.rules.filter((r) => gone.has(r.chain)).length,
    });
  }
  return out;
}

/**
 * iptables-restore --noflush input for one table: delete the jumps (by their exact spec, as
 * iptables-save printed them), flush every removed chain, then delete them (flush first: the
 * removed chains may jump to each other).
 */
export function restoreScript(c: TableCleanup): string {
  const lines = [`*${c.table}`];
  for (const r of c.jumps) lines.push(`-D ${r.chain} ${r.spec}`);
  for (const ch of c.chains) lines.push(`-F ${ch}`);
  for (const ch of c.chains) lines.push(`-X ${ch}`);
  lines.push('COMMIT', '');
  return lines.join('\n');
}

export interface Backend {
  /** iptables-nft, iptables-legacy, ip6tables-nft … (or plain iptables where there are no variants). */
  name: string;
  family: 4 | 6;
  save: string;
  restore: string;
}

/** Every backend the node might use, most specific first. */
export const BACKENDS: readonly Backend[] = Object.freeze([
  { name: 'iptables-nft', family: 4, save: 'iptables-nft-save', restore: 'iptables-nft-restore' },
  { name: 'iptables-legacy', family: 4, save: 'iptables-legacy-save', restore: 'iptables-legacy-restore' },
  { name: 'ip6tables-nft', family: 6, save: 'ip6tables-nft-save', restore: 'ip6tables-nft-restore' },
  { name: 'ip6tables-legacy', family: 6, save: 'ip6tables-legacy-save', restore: 'ip6tables-legacy-restore' },
] as Backend[]);

/** Used only when a family has neither -nft nor -legacy tools (older distributions). */
export const PLAIN_BACKENDS: readonly Backend[] = Object.freeze([
  { name: 'iptables', family: 4, save: 'iptables-save', restore: 'iptables-restore' },
  { name: 'ip6tables', family: 6, save: 'ip6tables-save', restore: 'ip6tables-restore' },
] as Backend[]);

export interface SavedRuleset {
  backend: Backend;
  text: string;
  tables: SavedTable[];
}

function missingTool(err: unknown): boolean {
  return (err as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Save every available backend's rule set. A backend whose tools are not installed is absent; a
 * save that fails throws (the caller must not change anything it could not back up).
 */
export async function saveAll(exec: Exec = runCommand): Promise<SavedRuleset[]> {
  const out: SavedRuleset[] = [];
  const haveFamily = new Set<number>();
  const save = async (b: Backend): Promise<void> => {
    let r;
    try {
      r = await exec([b.save]);
    } catch (err) {
      if (missingTool(err)) return;
      throw err;
    }
    if (r.code !== 0) throw ksError('KS_FIREWALL_FAILED', `${b.save} failed: ${toolError(r)}`, { tool: b.save });
    haveFamily.add(b.family);
    out.push({ backend: b, text: r.stdout, tables: parseIptablesSave(r.stdout) });
  };
  for (const b of BACKENDS) await save(b);
  for (const b of PLAIN_BACKENDS) if (!haveFamily.has(b.family)) await save(b);
  return out;
}

/** Apply one table's cleanup through the backend's restore tool, in one transaction. */
export async function applyCleanup(backend: Backend, c: TableCleanup, exec: Exec = runCommand): Promise<void> {
  const r = await exec([backend.restore, '--noflush'], { input: restoreScript(c) });
  if (r.code !== 0)
    throw ksError(
      'KS_FIREWALL_FAILED',
      `${backend.restore} --noflush (table ${c.table}) failed, that table is unchanged: ${toolError(r)}`,
      { tool: backend.restore, table: c.table },
    );
}
