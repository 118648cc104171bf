// The firewall kind's native nftables tables, for real, inside a private netns this test creates
// (`unshare --net=FILE`, never the machine's own): kube-proxy's nftables tables (ip and ip6) and
// Calico's go whole after `nft list ruleset` is backed up; the operator's own tables (one named
// like kube-proxy's with a suffix) and iptables-nft's come out byte-identical; the backup
// restores the removed tables with `nft -f`; verify finds nothing left.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { hostNodeConfig, hostSweeper } from '../../helpers/host-node';
import { withNetns } from '../../helpers/netns';
import { mkdtempSync, rmSync } from 'node:fs';
import { resetWithPlanCheck } from '../../helpers/plan-check';

const SEED = path.join(__dirname, '..', '..', 'fixtures', 'host', 'nft-seed.nft');
const DECOYS = ['inet operator', 'ip kube-proxy-operator-copy', 'ip filter'];
const GONE = ['ip kube-proxy', 'ip6 kube-proxy', 'ip calico'];

t.test('firewall: known nftables tables go whole after the ruleset is saved; every other table is byte-identical', async (t) => {
  const ns = withNetns(t, 'nft');
  ns.sh(`nft -f ${SEED}; iptables-nft -N KUBE-X; iptables-nft -A INPUT -s 192.0.2.7 -j KUBE-X`);
  const root = mkdtempSync('/tmp/ks-nft-');
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const table = (key: string) => ns.sh(`nft list table ${key}`);
  const decoysBefore = Object.fromEntries(DECOYS.filter((k) => k !== 'ip filter').map((k) => [k, table(k)]));
  const rulesetBefore = ns.sh('nft list ruleset');
  const config = hostNodeConfig(root);
  // No pod is alive (an empty CRI): the firewall step alone is under test, against the real kernel.
  const sweeper = hostSweeper(config, { hostTools: { netExec: ns.exec } });
  const opts = { scope: 'all' as const, requestedBy: 't', steps: ['firewall', 'verify'], withKinds: ['firewall'] };

  const dry = await sweeper.plan({ ...opts, dryRun: true });
  const fw = dry.steps.find((s) => s.name === 'firewall')!.actions;
  t.same(
    fw.map((a) => `${a.action} ${a.target}`),
    ['backup-rules iptables', 'remove-chains iptables-nft/filter', ...GONE.map((k) => `remove-nft-table nft/${k}`)],
    'the plan: backup, the prefixed chain, the three known tables — no decoy',
  );
  t.equal(ns.sh('nft list ruleset'), rulesetBefore, 'planning changed nothing');

  const report = await resetWithPlanCheck(t, sweeper, opts);
  const step = report.steps.find((s) => s.name === 'firewall')!;
  t.comment(JSON.stringify(step.items.map((i) => [i.action, i.target, i.outcome, i.message])));
  t.same(
    step.items.filter((i) => i.action === 'remove-nft-table').map((i) => `${i.target} ${i.outcome}`),
    GONE.map((k) => `nft/${k} done`),
  );
  const after = ns.sh('nft list tables');
  for (const k of GONE) t.notOk(after.includes(`table ${k}\n`), `${k} is gone`);
  for (const [k, text] of Object.entries(decoysBefore)) t.equal(table(k), text, `${k}: byte-identical`);
  t.notMatch(table('ip filter'), /KUBE-X/, "iptables-nft's table lost only the KUBE- chain and its jump");
  t.match(table('ip filter'), /chain INPUT/);
  t.same(
    report.verification!.residue.filter((r) => r.kind === 'firewall'),
    [],
    'verify: no firewall residue',
  );

  // The backup holds the full ruleset as it was, and `nft -f` brings the removed tables back.
  const dir = path.join(config.stateDir, 'backups', 'firewall');
  const [id] = readdirSync(dir);
  const saved = readFileSync(path.join(dir, id, 'nft.ruleset'), 'utf8');
  t.equal(saved, rulesetBefore, 'nft.ruleset: `nft list ruleset` before the run');
  const fresh = withNetns(t, 'nftr');
  fresh.sh(`nft -f ${path.join(dir, id, 'nft.ruleset')}`);
  for (const k of GONE) t.equal(fresh.sh(`nft list table ${k}`), table0(rulesetBefore, k), `${k} restored by nft -f`);

  const again = await sweeper.plan({ ...opts, dryRun: true });
  t.same(again.steps.find((s) => s.name === 'firewall')!.actions, [], 'a second look has nothing to do');
});

/** One table's block as `nft list ruleset` printed it (nft list table prints the same block). */
function table0(ruleset: string, key: string): string {
  const lines = ruleset.split('\n');
  const start = lines.indexOf(`table ${key} {`);
  const end = lines.indexOf('}', start);
  return lines.slice(start, end + 1).join('\n') + '\n';
}
