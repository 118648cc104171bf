// Network links left by CNI plugins and kube-proxy in the node's network namespace (the one the
// agent runs in): `cni0` still carrying the old pod subnet ("cni0 already has an IP address
// different from …"), `flannel.1`, `vxlan.calico`, `kube-ipvs0`, `nodelocaldns`, `cilium_*` …
//
// Read with iproute2 (`ip -d -json addr show`), not raw netlink: one call gives every link with
// its kind and addresses as JSON (iproute2 ≥ 4.13 has -json), iproute2 is on every node that
// runs a CNI plugin, and a Node netlink binding would be a native addon in the agent for one
// read and a few deletes. Deletion goes through `ip link delete` for the same reason.
import { ksError } from '../../shared/errors';
import { globMatcher } from './glob';
import { Exec, runCommand, toolError } from './exec';

/**
 * Link names of the network plugins Kubernetes installers deploy. Only links matching one of
 * these (or the configured list) are ever touched; `eth*`, `docker0`, `lo`, `virbr*`, podman's
 * `cni-podman0` never match.
 */
export const DEFAULT_LINK_PATTERNS: readonly string[] = Object.freeze([
  // Flannel (and the bridge plugin's default bridge name)
  'cni0',
  'flannel.*',
  'flannel-v6.*',
  'flannel-wg',
  'flannel-wg-v6',
  // Calico: host sides of pod veths, VXLAN, IPIP, WireGuard
  'cali*',
  'vxlan.calico',
  'vxlan-v6.calico',
  'tunl0',
  'wireguard.cali',
  'wg-v6.cali',
  // Cilium
  'cilium_*',
  'lxc_health',
  // kube-proxy in IPVS mode; NodeLocal DNSCache
  'kube-ipvs0',
  'nodelocaldns',
  // kube-router
  'kube-bridge',
  'kube-dummy-if',
  // Weave Net
  'weave',
  'datapath',
  'vethwe-*',
  'vxlan-6784',
]);

/**
 * Fallback devices a tunnel module creates in every netns and the kernel refuses to delete
 * (`ip link delete tunl0` → "Operation not supported"): set down with no address they are inert.
 */
export const KERNEL_FALLBACK_DEVICES: ReadonlySet<string> = new Set([
  'tunl0',
  'sit0',
  'ip6tnl0',
  'gre0',
  'gretap0',
  'erspan0',
  'ip_vti0',
  'ip6_vti0',
  'ip6gre0',
]);

export interface LinkAddress {
  family: 'inet' | 'inet6';
  /** CIDR, e.g. 10.244.1.1/24. */
  cidr: string;
}

export interface LinkInfo {
  name: string;
  index: number;
  /** info_kind from `ip -d` (bridge, vxlan, veth, ipip …); '' for a plain device. */
  kind: string;
  /** Administratively up (IFF_UP). */
  up: boolean;
  operstate: string;
  /** The bridge it is enslaved to, if any. */
  master?: string;
  addresses: LinkAddress[];
}

interface IpAddrJson {
  ifindex?: number;
  ifname?: string;
  flags?: string[];
  operstate?: string;
  master?: string;
  linkinfo?: { info_kind?: string };
  addr_info?: { family?: string; local?: string; prefixlen?: number }[];
}

/** Parse `ip -d -json addr show` (iproute2). Entries without a name are skipped. */
export function parseIpAddrJson(text: string): LinkInfo[] {
  const data = JSON.parse(text === '' ? '[]' : text) as IpAddrJson[];
  if (!Array.isArray(data)) throw ksError('KS_LINK_FAILED', 'ip -json addr: expected a JSON array');
  const out: LinkInfo[] = [];
  for (const l of data) {
    if (typeof l.ifname !== 'string' || l.ifname === '') continue;
    out.push({
      name: l.ifname,
      index: typeof l.ifindex === 'number' ? l.ifindex : 0,
      kind: l.linkinfo?.info_kind ?? '',
      up: (l.flags ?? []).includes('UP'),
      operstate: l.operstate ?? 'UNKNOWN',
      ...(l.master ? { master: l.master } : {}),
      addresses: (l.addr_info ?? [])
        .filter((a) => (a.family === 'inet' || a.family === 'inet6') && typeof a.local === 'string')
        .map((a) => ({ family: a.family as 'inet' | 'inet6', cidr: `${a.local}/${a.prefixlen ?? (a.family === 'inet' ? 32 : 128)}` })),
    });
  }
  return out;
}

export interface MatchedLink extends LinkInfo {
  /** The pattern that selected it. */
  pattern: string;
}

/** Links whose names match one of `patterns`, in ifindex order. */
export function matchLinks(links: readonly LinkInfo[], patterns: readonly string[]): MatchedLink[] {
  const match = globMatcher(patterns);
  const out: MatchedLink[] = [];
  for (const l of [...links].sort((a, b) => a.index - b.index)) {
    const pattern = match(l.name);
    if (pattern !== undefined) out.push({ ...l, pattern });
  }
  return out;
}

/** A kernel fallback device that is down and has no address: nothing a rejoin can trip over. */
export function isInertFallback(l: LinkInfo): boolean {
  return KERNEL_FALLBACK_DEVICES.has(l.name) && !l.up && l.addresses.filter((a) => !a.cidr.startsWith('fe80:')).length === 0;
}

export async function readLinks(exec: Exec = runCommand): Promise<LinkInfo[]> {
  const r = await exec(['ip', '-d', '-json', 'addr', 'show']);
  if (r.code !== 0) throw ksError('KS_LINK_FAILED', `ip -d -json addr show failed: ${toolError(r)}`);
  return parseIpAddrJson(r.stdout.trim());
}

export type LinkOutcome = { outcome: 'done' | 'gone' | 'skipped'; message: string };

/**
 * Delete one link. A link the kernel will not delete (a tunnel module's fallback device) is set
 * down with its addresses flushed and reported as skipped, not failed. Any other refusal throws.
 */
export async function removeLink(name: string, exec: Exec = runCommand): Promise<LinkOutcome> {
  const del = await exec(['ip', 'link', 'delete', 'dev', name]);
  if (del.code === 0) return { outcome: 'done', message: `deleted ${name}` };
  const why = toolError(del);
  if (/Cannot find device|does not exist/i.test(why)) return { outcome: 'gone', message: `${name} is already gone` };
  if (/Operation not supported/i.test(why)) {
    const flush = await exec(['ip', 'addr', 'flush', 'dev', name]);
    const down = await exec(['ip', 'link', 'set', 'dev', name, 'down']);
    if (down.code !== 0)
      throw ksError('KS_LINK_FAILED', `the kernel keeps ${name} and it could not be set down: ${toolError(down)}`, { link: name });
    if (flush.code !== 0)
      throw ksError('KS_LINK_FAILED', `the kernel keeps ${name}; set down, but its addresses could not be flushed: ${toolError(flush)}`, {
        link: name,
      });
    return { outcome: 'skipped', message: `the kernel does not delete ${name}: set down, addresses flushed` };
  }
  throw ksError('KS_LINK_FAILED', `ip link delete ${name} failed: ${why}`, { link: name });
}
