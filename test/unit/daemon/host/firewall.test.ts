import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import {
  DEFAULT_FIREWALL_PREFIXES,
  parseIptablesSave,
  planCleanup,
  restoreScript,
  SavedTable,
  splitRule,
  TableCleanup,
} from '../../../../agent/daemon/host/firewall';

const FIX = path.join(__dirname, '..', '..', '..', 'fixtures', 'host');
const v4 = readFileSync(path.join(FIX, 'iptables-nft-save-kubespray.txt'), 'utf8');
const v6 = readFileSync(path.join(FIX, 'ip6tables-nft-save-kubespray.txt'), 'utf8');

/** What iptables-restore --noflush would leave: the same table minus the cleanup. */
function applyPure(tables: SavedTable[], cleanups: TableCleanup[]): SavedTable[] {
  return tables.map((tb) => {
    const c = cleanups.find((x) => x.table === tb.name);
    if (!c) return tb;
    const gone = new Set(c.chains);
    const jumps = [...c.jumps];
    return {
      ...tb,
      chains: tb.chains.filter((ch) => !gone.has(ch.name)),
      rules: tb.rules.filter((r) => {
        if (gone.has(r.chain)) return false;
        const i = jumps.findIndex((j) => j.chain === r.chain && j.spec === r.spec);
        if (i >= 0) {
          jumps.splice(i, 1);
          return false;
        }
        return true;
      }),
    };
  });
}

t.test('splitRule keeps quoted comments (with escaped quotes) as one word', async (t) => {
  t.same(splitRule('-s 192.0.2.0/24 -m comment --comment "ops \\"bastion\\" ssh" -j ACCEPT'), [
    '-s',
    '192.0.2.0/24',
    '-m',
    'comment',
    '--comment',
    'ops "bastion" ssh',
    '-j',
    'ACCEPT',
  ]);
  t.same(splitRule('-m comment --comment "kubernetes: -j KUBE-X" -j DROP'), [
    '-m',
    'comment',
    '--comment',
    'kubernetes: -j KUBE-X',
    '-j',
    'DROP',
  ]);
});

t.test('parseIptablesSave reads every table, chain and rule of a captured Kubespray-shaped rule set', async (t) => {
  const tables = parseIptablesSave(v4);
  t.same(
    tables.map((x) => x.name),
    ['mangle', 'raw', 'filter', 'nat'],
  );
  const filter = tables.find((x) => x.name === 'filter')!;
  t.ok(filter.chains.some((c) => c.name === 'INPUT' && c.policy === 'ACCEPT'));
  t.equal(filter.rules.find((r) => r.chain === 'cali-INPUT')!.target, 'cali-wl-to-host', '-g target');
  const ssh = filter.rules.find((r) => r.chain === 'OPERATOR-SSH')!;
  t.match(ssh.spec, /ops \\"bastion\\" ssh/);
  t.equal(ssh.target, 'ACCEPT');
  t.throws(() => parseIptablesSave('-A INPUT -j DROP\n'), { code: 'KS_FIREWALL_FAILED' });
});

t.test('planCleanup: only prefixed chains and jumps to them; the operator and Docker keep everything', async (t) => {
  const tables = parseIptablesSave(v4);
  const plan = planCleanup(tables, DEFAULT_FIREWALL_PREFIXES);
  const filter = plan.find((c) => c.table === 'filter')!;
  t.same(
    filter.chains.sort(),
    [
      'CILIUM_INPUT',
      'CNI-FORWARD',
      'FLANNEL-FWD',
      'KUBE-EXTERNAL-SERVICES',
      'KUBE-FIREWALL',
      'KUBE-FORWARD',
      'KUBE-KUBELET-CANARY',
      'KUBE-NODEPORTS',
      'KUBE-PROXY-FIREWALL',
      'KUBE-SERVICES',
      'OLD_CILIUM_INPUT',
      'cali-FORWARD',
      'cali-INPUT',
      'cali-OUTPUT',
      'cali-from-hep-forward',
      'cali-wl-to-host',
    ].sort(),
  );
  t.ok(
    filter.jumps.every((j) => ['INPUT', 'FORWARD', 'OUTPUT'].includes(j.chain)),
    'jumps are deleted from the builtin chains',
  );
  t.equal(filter.jumps.filter((j) => j.chain === 'OUTPUT').length, 3, 'OUTPUT: cali-OUTPUT, KUBE-SERVICES, KUBE-FIREWALL');
  const nat = plan.find((c) => c.table === 'nat')!;
  t.ok(
    nat.chains.includes('CNI-DN-3d0e8c6bb81a6b9a4b6c1') &&
      nat.chains.includes('KUBE-SEP-IT2ZTR26TO4XFPTO') &&
      nat.chains.includes('FLANNEL-POSTRTG'),
  );
  t.notOk(nat.chains.includes('DOCKER'));
  t.same(plan.map((c) => c.table).sort(), ['filter', 'mangle', 'nat', 'raw']);

  const after = applyPure(tables, plan);
  const keptLines = (ts: SavedTable[]) =>
    ts.flatMap((x) => [
      ...x.chains.map((c) => `${x.name} :${c.name} ${c.policy}`),
      ...x.rules.map((r) => `${x.name} -A ${r.chain} ${r.spec}`),
    ]);
  const left = keptLines(after);
  t.same(
    left.filter((l) => /KUBE-|CNI-|cali-|FLANNEL|CILIUM/.test(l.replace(/--comment "[^"]*"/, ''))),
    [],
    'no Kubernetes/CNI chain or jump is left',
  );
  // Everything that is not Kubernetes' is still there, byte for byte and in order.
  const notKube = (l: string) =>
    !/:(KUBE-|CNI-|cali-|FLANNEL|CILIUM|OLD_CILIUM)|-A (KUBE-|CNI-|cali-|FLANNEL|CILIUM|OLD_CILIUM)|-[jg] (KUBE-|CNI-|cali-|FLANNEL|CILIUM|OLD_CILIUM)/.test(
      l,
    );
  t.same(left, keptLines(tables).filter(notKube), 'the rest of the rule set is unchanged');
  t.ok(
    left.includes('filter -A INPUT -p tcp -m tcp --dport 6443 -m comment --comment "kubernetes api from lb" -j ACCEPT'),
    "the operator's rule mentioning kubernetes stays (it jumps to no Kubernetes chain)",
  );
  t.ok(
    left.some((l) => l.startsWith('nat -A POSTROUTING -s 172.17.0.0/16')),
    "Docker's masquerade stays",
  );

  const v6plan = planCleanup(parseIptablesSave(v6), DEFAULT_FIREWALL_PREFIXES);
  t.same(v6plan.map((c) => `${c.table}:${c.chains.join(',')}`).sort(), ['filter:KUBE-FIREWALL,cali-INPUT', 'nat:KUBE-SERVICES']);
  t.same(planCleanup(parseIptablesSave(v4), ['NOTHING-']), [], 'a table with nothing to do is absent');
});

t.test('restoreScript: jumps deleted by their exact spec, chains flushed before any is deleted', async (t) => {
  const c: TableCleanup = {
    table: 'nat',
    chains: ['KUBE-A', 'KUBE-B'],
    jumps: [{ chain: 'PREROUTING', spec: '-m comment --comment "kubernetes service portals" -j KUBE-A', target: 'KUBE-A' }],
    rulesInChains: 2,
  };
  t.equal(
    restoreScript(c),
    '*nat\n-D PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-A\n-F KUBE-A\n-F KUBE-B\n-X KUBE-A\n-X KUBE-B\nCOMMIT\n',
  );
});
