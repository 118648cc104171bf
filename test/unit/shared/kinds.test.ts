import t from 'tap';
import { CLEANUP_KINDS, DEFAULT_KINDS, parseKindList, resolveKinds } from '../../../agent/shared/kinds';

t.test('kinds: the interface names', async (t) => {
  t.same(
    [...CLEANUP_KINDS],
    ['links', 'ipam', 'cni-cache', 'kubelet-mounts', 'pod-cgroups', 'cni-config', 'firewall', 'kubelet-unit', 'etcd-data', 'kubelet-state'],
  );
  t.same([...DEFAULT_KINDS], ['links', 'ipam', 'cni-cache', 'kubelet-mounts', 'pod-cgroups'], 'runtime state is on by default');
});

t.test('parseKindList: commas and repeats, unknown names reported', async (t) => {
  t.same(parseKindList(['firewall,cni-config', 'firewall']), { kinds: ['firewall', 'cni-config'], problems: [] });
  t.same(parseKindList(['links, ipam', '']).kinds, ['links', 'ipam']);
  t.match(parseKindList(['links,iptables']).problems, [/unknown kind "iptables"/]);
});

t.test('resolveKinds: defaults + with - without, in a fixed order', async (t) => {
  t.same(resolveKinds().kinds, ['links', 'ipam', 'cni-cache', 'kubelet-mounts', 'pod-cgroups']);
  t.same(resolveKinds(['kubelet-unit', 'firewall']).kinds, [
    'links',
    'ipam',
    'cni-cache',
    'kubelet-mounts',
    'pod-cgroups',
    'firewall',
    'kubelet-unit',
  ]);
  t.same(resolveKinds([], ['links,ipam']).kinds, ['cni-cache', 'kubelet-mounts', 'pod-cgroups']);
  t.same(resolveKinds(['cni-config'], ['links', 'ipam', 'cni-cache', 'kubelet-mounts', 'pod-cgroups']).kinds, ['cni-config']);
  t.match(resolveKinds(['firewall'], ['firewall']).problems, [/both in --with and --without/]);
});
