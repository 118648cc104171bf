// The opt-in kinds on the real agent, inside a private netns this test creates: `firewall` with
// real iptables rules in both backends (nft and legacy, IPv4 and IPv6) shaped like a Kubespray
// node's, and `cni-config` with an old plugin's files next to decoys (podman's config, the
// testbed's own). A dry run changes nothing; the real run backs up first, removes only what
// matches, and verify finds nothing left; everything else is exactly as before.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { Testbed } from '../../../scripts/testbed/testbed';
import { agentProgram, runClient, startAgent, testbedAgentArgs } from '../../helpers/agent';
import { cliResetWithPlanCheck } from '../../helpers/plan-check';
import { nsenterArgv, withNetns } from '../../helpers/netns';

const SEED = path.join(__dirname, '..', '..', 'fixtures', 'host', 'firewall-seed.sh');
const SAVES = ['iptables-nft-save', 'iptables-legacy-save', 'ip6tables-nft-save', 'ip6tables-legacy-save'];

const lines = (text: string) => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
const KUBE = /(^|[\s:])(KUBE-|CNI-|cali-|FLANNEL|CILIUM|OLD_CILIUM)/;
const mentionsKube = (l: string) => KUBE.test(l.replace(/"(\\.|[^"\\])*"/g, '""'));

t.test('firewall and cni-config: planned by a dry run, backed up, removed, verified; decoys untouched', async (t) => {
  const ns = withNetns(t, 'opt');
  ns.sh(`ip link set lo up; sh ${SEED} iptables-nft ip6tables-nft; sh ${SEED} iptables-legacy ip6tables-legacy`);
  const tb = await Testbed.start({ netns: ns.file, log: (m) => t.comment(m) });
  t.teardown(async () => void (await tb.teardown()));
  const save = () => Object.fromEntries(SAVES.map((s) => [s, ns.sh(s)]));
  const rules = (saved: Record<string, string>) => Object.fromEntries(Object.entries(saved).map(([k, v]) => [k, lines(v)]));
  const before = save();
  const conf = tb.cniConfDir;
  const files: Record<string, string> = {
    '10-calico.conflist': '{"name":"k8s-pod-network","cniVersion":"0.3.1","plugins":[{"type":"calico"}]}\n',
    'calico-kubeconfig': 'apiVersion: v1\nkind: Config\n',
    '87-podman-bridge.conflist': '{"name":"podman"}\n',
  };
  for (const [n, text] of Object.entries(files)) writeFileSync(path.join(conf, n), text);
  const testbedConf = readFileSync(path.join(conf, '10-kubesweep-testbed.conflist'), 'utf8');
  const stateDir = path.join(tb.scratch, 'state');
  const manifestsDir = path.join(tb.scratch, 'manifests');
  mkdirSync(manifestsDir, { recursive: true });
  const agent = await startAgent(t, {
    dir: tb.scratch,
    program: [...nsenterArgv(ns), ...agentProgram()],
    args: testbedAgentArgs(tb, { node: 'node1', manifestsDir, stateDir, expectFreePorts: [6443], links: 'default' }),
    readyTimeoutMs: 60_000,
  });

  // inspect lists both kinds (and the kubelet unit state) before anything is asked.
  const inv = JSON.parse((await runClient(['--agent', agent.socket, '--json', 'inspect'])).stdout);
  t.same(inv.cniConfigFiles.map((f: { path: string }) => path.basename(f.path)).sort(), ['10-calico.conflist', 'calico-kubeconfig']);
  t.same([...new Set(inv.firewall.map((f: { backend: string }) => f.backend))].sort(), [
    'ip6tables-legacy',
    'ip6tables-nft',
    'iptables-legacy',
    'iptables-nft',
  ]);

  const dry = await runClient([
    '--agent',
    agent.socket,
    'reset',
    '--confirm',
    'node1',
    '--dry-run',
    '--json',
    '--with',
    'firewall,cni-config',
  ]);
  const plan = JSON.parse(dry.stdout).plan;
  const step = (n: string) => plan.steps.find((s: { name: string }) => s.name === n);
  t.equal(step('firewall').actions[0].action, 'backup-rules', 'dry run: the backup is planned first');
  t.ok(
    step('firewall').actions.some((a: { target: string }) => a.target === 'iptables-legacy/nat'),
    'dry run: the legacy backend too',
  );
  t.same(
    step('cni-config')
      .actions.map((a: { action: string; target: string }) => `${a.action} ${path.basename(a.target)}`)
      .sort(),
    ['backup-file 10-calico.conflist', 'backup-file calico-kubeconfig', 'remove-file 10-calico.conflist', 'remove-file calico-kubeconfig'],
  );
  t.same(rules(save()), rules(before), 'dry run: no rule changed');
  t.ok(existsSync(path.join(conf, '10-calico.conflist')), 'dry run: no file removed');
  t.notOk(existsSync(path.join(stateDir, 'backups', 'firewall')), 'dry run: no backup written');

  const r = await cliResetWithPlanCheck(t, ['--agent', agent.socket, 'reset', '--confirm', 'node1', '--with', 'firewall,cni-config'], {
    stateDir,
  });
  const report = JSON.parse(r.stdout);
  const res = (n: string) => report.steps.find((s: { name: string }) => s.name === n);
  t.equal(res('firewall').failed, 0, `firewall: nothing failed (${res('firewall').reason})`);
  t.equal(res('cni-config').failed, 0);
  t.notOk(
    report.verification.residue.some((x: { kind: string }) => x.kind === 'firewall' || x.kind === 'cni-config'),
    'verify: no chain, no config left',
  );

  const after = save();
  for (const s of SAVES) {
    t.same(lines(after[s]).filter(mentionsKube), [], `${s}: no Kubernetes/CNI chain or jump left`);
    t.same(
      lines(after[s]),
      lines(before[s]).filter((l) => !mentionsKube(l)),
      `${s}: every other line exactly as before`,
    );
  }
  // The backup holds the full rule sets as they were.
  const fwBackups = path.join(stateDir, 'backups', 'firewall');
  const [fwId] = readdirSync(fwBackups);
  for (const s of SAVES) {
    const name = `${s.replace(/-save$/, '')}.rules`;
    t.same(lines(readFileSync(path.join(fwBackups, fwId, name), 'utf8')), lines(before[s]), `backup ${name}: the full rule set`);
  }
  const cniBackups = path.join(stateDir, 'backups', 'cni-config');
  const [cniId] = readdirSync(cniBackups);
  for (const n of ['10-calico.conflist', 'calico-kubeconfig']) {
    t.notOk(existsSync(path.join(conf, n)), `${n} removed`);
    t.equal(readFileSync(path.join(cniBackups, cniId, n), 'utf8'), files[n], `${n} backed up byte-identical`);
  }
  t.equal(
    readFileSync(path.join(conf, '87-podman-bridge.conflist'), 'utf8'),
    files['87-podman-bridge.conflist'],
    "podman's config untouched",
  );
  t.equal(readFileSync(path.join(conf, '10-kubesweep-testbed.conflist'), 'utf8'), testbedConf, "the testbed's own config untouched");

  // Without --with, a second reset leaves both kinds alone (and finds nothing anyway).
  const again = JSON.parse((await cliResetWithPlanCheck(t, ['--agent', agent.socket, 'reset', '--confirm', 'node1'], { stateDir })).stdout);
  t.notOk(
    again.steps.some((s: { name: string }) => s.name === 'firewall' || s.name === 'cni-config'),
    'opt-in: not run unless asked',
  );
});
