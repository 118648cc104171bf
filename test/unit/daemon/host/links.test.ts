import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { DEFAULT_LINK_PATTERNS, isInertFallback, matchLinks, parseIpAddrJson, removeLink } from '../../../../agent/daemon/host/links';
import type { Exec } from '../../../../agent/daemon/host/exec';

const FIX = path.join(__dirname, '..', '..', '..', 'fixtures', 'host');
const netns = readFileSync(path.join(FIX, 'ip-d-json-addr-netns.json'), 'utf8');
const host = readFileSync(path.join(FIX, 'ip-d-json-addr-host.json'), 'utf8');

t.test('parseIpAddrJson reads names, kinds, state, masters and addresses (captured ip -d -json addr)', async (t) => {
  const links = parseIpAddrJson(netns);
  const by = new Map(links.map((l) => [l.name, l]));
  t.same(
    [...by.keys()].sort(),
    [
      'cilium_host',
      'cilium_net',
      'cni0',
      'docker0',
      'eth9',
      'flannel.1',
      'kube-ipvs0',
      'lo',
      'nodelocaldns',
      'veth1a2b3c',
      'vxlan.calico',
    ].sort(),
  );
  t.equal(by.get('cni0')!.kind, 'bridge');
  t.equal(by.get('cni0')!.up, true);
  t.same(
    by
      .get('cni0')!
      .addresses.map((a) => a.cidr)
      .filter((c) => !c.startsWith('fe80')),
    ['10.244.1.1/24', 'fd00:244::1/64'],
  );
  t.equal(by.get('flannel.1')!.kind, 'vxlan');
  t.same(by.get('flannel.1')!.addresses, [{ family: 'inet', cidr: '10.244.1.0/32' }]);
  t.equal(by.get('veth1a2b3c')!.master, 'cni0');
  t.equal(by.get('veth1a2b3c')!.kind, 'veth');
  t.equal(by.get('lo')!.kind, '');
  t.ok(
    parseIpAddrJson(host).some((l) => l.name === 'eth0'),
    'host capture parses too',
  );
  t.same(parseIpAddrJson(''), []);
  t.throws(() => parseIpAddrJson('{"a":1}'), { code: 'KS_LINK_FAILED' });
});

t.test('default patterns pick CNI/kube-proxy links and never the decoys', async (t) => {
  const picked = matchLinks(parseIpAddrJson(netns), DEFAULT_LINK_PATTERNS).map((l) => `${l.name}<-${l.pattern}`);
  t.same(
    picked.sort(),
    [
      'cilium_host<-cilium_*',
      'cilium_net<-cilium_*',
      'cni0<-cni0',
      'flannel.1<-flannel.*',
      'kube-ipvs0<-kube-ipvs0',
      'nodelocaldns<-nodelocaldns',
      'vxlan.calico<-vxlan.calico',
    ].sort(),
  );
  for (const decoy of ['eth9', 'docker0', 'lo', 'veth1a2b3c'])
    t.notOk(
      picked.some((p) => p.startsWith(decoy + '<')),
      `${decoy} is never matched`,
    );
  t.same(matchLinks(parseIpAddrJson(host), DEFAULT_LINK_PATTERNS), [], 'nothing on this machine matches');
  const names = ['cni-podman0', 'virbr0', 'lxcbr0', 'br-1a2b3c', 'docker0', 'eth0', 'ens3', 'bond0', 'wg0', 'tailscale0'];
  const fake = names.map((name, i) => ({ name, index: i + 1, kind: '', up: true, operstate: 'UP', addresses: [] }));
  t.same(matchLinks(fake, DEFAULT_LINK_PATTERNS), [], `other runtimes' and the operator's links never match: ${names.join(', ')}`);
});

t.test('a kernel fallback device that is down and has no address is inert', async (t) => {
  const base = { index: 9, kind: 'ipip', operstate: 'DOWN', addresses: [] };
  t.ok(isInertFallback({ ...base, name: 'tunl0', up: false }));
  t.notOk(isInertFallback({ ...base, name: 'tunl0', up: true }), 'up: still residue');
  t.notOk(
    isInertFallback({ ...base, name: 'tunl0', up: false, addresses: [{ family: 'inet', cidr: '10.233.64.0/32' }] }),
    'with an address: residue',
  );
  t.notOk(isInertFallback({ ...base, name: 'cni0', up: false }), 'not a fallback device');
});

t.test('removeLink: deleted, gone, kept by the kernel (set down + flushed), refused', async (t) => {
  const calls: string[] = [];
  const answer =
    (del: { code: number; stderr?: string }, rest = 0): Exec =>
    async (argv) => {
      calls.push(argv.join(' '));
      if (argv[2] === 'delete') return { stdout: '', stderr: del.stderr ?? '', code: del.code };
      return { stdout: '', stderr: rest ? 'RTNETLINK answers: Operation not permitted' : '', code: rest };
    };
  t.same(await removeLink('cni0', answer({ code: 0 })), { outcome: 'done', message: 'deleted cni0' });
  t.equal(calls.pop(), 'ip link delete dev cni0');
  t.equal((await removeLink('cni0', answer({ code: 1, stderr: 'Cannot find device "cni0"' }))).outcome, 'gone');
  calls.length = 0;
  const kept = await removeLink('tunl0', answer({ code: 2, stderr: 'RTNETLINK answers: Operation not supported' }));
  t.equal(kept.outcome, 'skipped', 'not failed');
  t.match(kept.message, /does not delete tunl0: set down, addresses flushed/);
  t.same(calls, ['ip link delete dev tunl0', 'ip addr flush dev tunl0', 'ip link set dev tunl0 down']);
  await t.rejects(removeLink('tunl0', answer({ code: 2, stderr: 'RTNETLINK answers: Operation not supported' }, 1)), {
    code: 'KS_LINK_FAILED',
  });
  await t.rejects(removeLink('cni0', answer({ code: 2, stderr: 'RTNETLINK answers: Operation not permitted' })), {
    code: 'KS_LINK_FAILED',
    message: /not permitted/,
  });
});
