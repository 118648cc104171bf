// links.ts and firewall.ts against the real kernel, in a private netns this test creates: real
// bridges, vxlans, veths and ifbs, and real iptables rules in both the nft and the legacy backend.
// Decoys (eth9, docker0, the operator's and Docker's rules) must come out exactly as they went in.
import path from 'node:path';
import t from 'tap';
import { applyCleanup, DEFAULT_FIREWALL_PREFIXES, planCleanup, saveAll } from '../../../agent/daemon/host/firewall';
import { DEFAULT_LINK_PATTERNS, matchLinks, readLinks, removeLink } from '../../../agent/daemon/host/links';
import { withNetns } from '../../helpers/netns';

const SEED = path.join(__dirname, '..', '..', 'fixtures', 'host', 'firewall-seed.sh');

t.test('links: every CNI/kube-proxy link goes, decoys stay with their addresses', async (t) => {
  const ns = withNetns(t, 'lnk');
  // No dummy or ipip module on this kernel: kube-ipvs0 and nodelocaldns (dummies on a real node)
  // are ifbs here; the name is what selects them.
  ns.sh(`
    ip link add cni0 type bridge; ip addr add 10.244.1.1/24 dev cni0; ip link set cni0 up
    ip link add flannel.1 type vxlan id 1 dstport 8472; ip addr add 10.244.1.0/32 dev flannel.1
    ip link add vxlan.calico type vxlan id 4096 dstport 4789
    ip link add kube-ipvs0 type ifb; ip addr add 10.233.0.1/32 dev kube-ipvs0
    ip link add nodelocaldns type ifb; ip addr add 169.254.25.10/32 dev nodelocaldns
    ip link add cilium_host type veth peer name cilium_net
    ip link add cali1a2b3c4d5e6 type veth peer name calipeer0
    ip link add docker0 type bridge; ip addr add 172.17.0.1/16 dev docker0; ip link set docker0 up
    ip link add eth9 type veth peer name vethdecoy; ip addr add 192.0.2.9/24 dev eth9; ip link set vethdecoy master docker0
  `);
  const before = await readLinks(ns.exec);
  const picked = matchLinks(before, DEFAULT_LINK_PATTERNS);
  t.same(
    picked.map((l) => l.name).sort(),
    ['cali1a2b3c4d5e6', 'calipeer0', 'cilium_host', 'cilium_net', 'cni0', 'flannel.1', 'kube-ipvs0', 'nodelocaldns', 'vxlan.calico'].sort(),
  );
  const outcomes: string[] = [];
  for (const l of picked) outcomes.push(`${l.name}:${(await removeLink(l.name, ns.exec)).outcome}`);
  // Deleting one end of a veth deletes the other: the second end is 'gone', not failed.
  const pair = (a: string, b: string) =>
    [`${a}:done`, `${b}:gone`].every((o) => outcomes.includes(o)) || [`${b}:done`, `${a}:gone`].every((o) => outcomes.includes(o));
  t.ok(pair('cilium_host', 'cilium_net') && pair('cali1a2b3c4d5e6', 'calipeer0'), outcomes.join(' '));
  t.equal(outcomes.filter((o) => o.endsWith(':done')).length, 7, 'seven deletions, two veth ends gone with their peers');
  const after = await readLinks(ns.exec);
  t.same(after.map((l) => l.name).sort(), ['docker0', 'eth9', 'lo', 'vethdecoy'], 'only the decoys are left');
  const addrs = (ls: typeof after, n: string) =>
    ls
      .find((l) => l.name === n)!
      .addresses.filter((a) => a.family === 'inet')
      .map((a) => a.cidr);
  t.same(addrs(after, 'docker0'), addrs(before, 'docker0'), 'docker0 keeps its address');
  t.same(addrs(after, 'eth9'), ['192.0.2.9/24'], 'eth9 keeps its address');
  t.equal(after.find((l) => l.name === 'vethdecoy')!.master, 'docker0', 'and its bridge port');
  t.same(matchLinks(after, DEFAULT_LINK_PATTERNS), [], 'nothing matching is left');
});

t.test('links: a device the kernel will not delete is set down and flushed, not failed', async (t) => {
  const ns = withNetns(t, 'lnk');
  // tunl0 (ipip) cannot be made on this kernel; lo is refused by the kernel the same way
  // ("Operation not supported"), so it stands in for it.
  ns.sh('ip link set lo up; ip addr add 10.233.64.1/32 dev lo');
  const r = await removeLink('lo', ns.exec);
  t.equal(r.outcome, 'skipped');
  t.match(r.message, /does not delete lo: set down, addresses flushed/);
  const lo = (await readLinks(ns.exec)).find((l) => l.name === 'lo')!;
  t.equal(lo.up, false, 'down');
  t.same(lo.addresses, [], 'no address left');
});

/** Lines of a saved rule set without comments; with quoted strings blanked for matching. */
function ruleLines(text: string): string[] {
  return text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}
const KUBE = /(^|[\s:])(KUBE-|CNI-|cali-|FLANNEL|CILIUM|OLD_CILIUM)/;
const mentionsKube = (l: string) => KUBE.test(l.replace(/"(\\.|[^"\\])*"/g, '""'));

t.test('firewall: only Kubernetes/CNI chains and jumps go, in both backends; the rest of iptables-save is unchanged', async (t) => {
  const ns = withNetns(t, 'fw');
  ns.sh(`sh ${SEED} iptables-nft ip6tables-nft; sh ${SEED} iptables-legacy ip6tables-legacy`);
  const before = await saveAll(ns.exec);
  t.same(
    before.map((s) => s.backend.name),
    ['iptables-nft', 'iptables-legacy', 'ip6tables-nft', 'ip6tables-legacy'],
    'all four backends are read',
  );
  for (const s of before) {
    for (const c of planCleanup(s.tables, DEFAULT_FIREWALL_PREFIXES)) await applyCleanup(s.backend, c, ns.exec);
  }
  const after = await saveAll(ns.exec);
  for (const b of before) {
    const a = after.find((x) => x.backend.name === b.backend.name)!;
    t.same(ruleLines(a.text).filter(mentionsKube), [], `${b.backend.name}: no Kubernetes/CNI chain or jump left`);
    t.same(
      ruleLines(a.text),
      ruleLines(b.text).filter((l) => !mentionsKube(l)),
      `${b.backend.name}: every other line is exactly as before`,
    );
    t.ok(
      ruleLines(a.text).some((l) => l.includes('"kubernetes api from lb"')) || b.backend.family === 6,
      `${b.backend.name}: the operator's rule stays`,
    );
  }
  t.same(
    after.flatMap((s) => planCleanup(s.tables, DEFAULT_FIREWALL_PREFIXES)),
    [],
    'a second pass has nothing to do',
  );
});

t.test('firewall: a restore that fails leaves its table unchanged', async (t) => {
  const ns = withNetns(t, 'fw');
  ns.sh('iptables -N KUBE-X; iptables -A INPUT -j KUBE-X');
  const [nft] = await saveAll(ns.exec);
  const [plan] = planCleanup(nft.tables, DEFAULT_FIREWALL_PREFIXES);
  // A jump that is not there: the whole transaction is refused.
  plan.jumps.push({ chain: 'INPUT', spec: '-s 198.51.100.1/32 -j KUBE-X', target: 'KUBE-X' });
  await t.rejects(applyCleanup(nft.backend, plan, ns.exec), { code: 'KS_FIREWALL_FAILED', message: /table filter.*unchanged/ });
  const [again] = await saveAll(ns.exec);
  t.same(ruleLines(again.text), ruleLines(nft.text), 'nothing changed');
});
