import t from 'tap';
import { globMatcher, globProblems, globToRegExp } from '../../../../agent/daemon/host/glob';

t.test('globToRegExp: *, ?, classes, literal dots', async (t) => {
  const m = (g: string, s: string) => globToRegExp(g).test(s);
  t.ok(m('flannel.*', 'flannel.1'));
  t.notOk(m('flannel.*', 'flannelx1'), 'a dot is literal');
  t.ok(m('cali*', 'cali12ab34cd56e'));
  t.notOk(m('cali*', 'xcali1'), 'anchored at the start');
  t.notOk(m('cni0', 'cni0x'), 'anchored at the end');
  t.ok(m('eth?', 'eth9'));
  t.notOk(m('eth?', 'eth10'));
  t.ok(m('veth[0-9a-f]*', 'veth1a'));
  t.notOk(m('veth[0-9a-f]*', 'vethz'));
  t.ok(m('x[!a]', 'xb'));
  t.notOk(m('x[!a]', 'xa'));
  t.ok(m('a+b(c)', 'a+b(c)'), 'regex specials are literal');
  t.throws(() => globToRegExp('bad['), /unterminated/);
});

t.test('globMatcher names the first matching pattern', async (t) => {
  const match = globMatcher(['cni0', 'cali*', 'c*']);
  t.equal(match('cali9'), 'cali*');
  t.equal(match('cni0'), 'cni0');
  t.equal(match('docker0'), undefined);
});

t.test('globProblems', async (t) => {
  t.same(globProblems(['a*', 'b?']), []);
  t.equal(globProblems(['', 'a/b', 'x[', 3]).length, 4);
});
