// host/nftables.ts on captured `nft list ruleset` text (test/fixtures/host/nft-seed.nft loaded into
// a private netns next to an iptables-nft chain): tables and chains are read, only the listed
// tables are picked (by family and whole name), and table names are checked before nft sees them.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { DEFAULT_NFT_TABLES, isNftTableName, knownTables, parseNftRuleset, tableKey } from '../../../../agent/daemon/host/nftables';

const text = readFileSync(path.join(__dirname, '..', '..', '..', 'fixtures', 'host', 'nft-list-ruleset-kube-proxy.txt'), 'utf8');

t.test('parseNftRuleset reads every table with its chains (sets and maps are not chains)', async (t) => {
  const tables = parseNftRuleset(text);
  t.same(tables.map(tableKey), [
    'ip kube-proxy',
    'ip6 kube-proxy',
    'ip calico',
    'inet operator',
    'ip kube-proxy-operator-copy',
    'ip filter',
  ]);
  t.same(tables[0].chains, ['filter-prerouting', 'firewall-check', 'services', 'nat-prerouting']);
  t.same(tables.find((x) => x.name === 'filter')!.chains, ['KUBE-X', 'INPUT'], "iptables-nft's own table is read too");
});

t.test('knownTables: only the listed family and whole name; the operator and iptables-nft keep theirs', async (t) => {
  const picked = knownTables(parseNftRuleset(text), DEFAULT_NFT_TABLES).map(tableKey);
  t.same(picked, ['ip kube-proxy', 'ip6 kube-proxy', 'ip calico']);
  t.same(knownTables(parseNftRuleset(text), ['inet kube-proxy']), [], 'another family is another table');
  t.same(knownTables(parseNftRuleset(text), []), [], 'an empty list picks nothing');
});

t.test('isNftTableName: FAMILY NAME only', async (t) => {
  for (const ok of DEFAULT_NFT_TABLES) t.ok(isNftTableName(ok), ok);
  for (const bad of ['kube-proxy', 'ip', 'ipx kube-proxy', 'ip kube proxy', 'ip kube-proxy;flush ruleset', 'ip -kube', ''])
    t.notOk(isNftTableName(bad), JSON.stringify(bad));
});
