import t from 'tap';
import { expandHostRange, MAX_RANGE_HOSTS } from '../../../agent/client/host-range';

const x = (p: string): string[] => expandHostRange(p, 'inv:3');

t.test('no range: the name itself', async (t) => {
  t.same(x('node1'), ['node1']);
  t.same(x('worker-7.example.org'), ['worker-7.example.org']);
});

t.test('numeric ranges: both ends included, width from a leading zero, step', async (t) => {
  t.same(x('node[1:3]'), ['node1', 'node2', 'node3']);
  t.same(x('node[01:03]'), ['node01', 'node02', 'node03']);
  t.same(x('node[08:11]'), ['node08', 'node09', 'node10', 'node11'], 'width kept past the carry');
  t.same(x('node[:2]'), ['node0', 'node1', 'node2'], 'empty begin is 0');
  t.same(x('node[0:10:5]'), ['node0', 'node5', 'node10']);
  t.same(x('db[01:10:3]-x'), ['db01-x', 'db04-x', 'db07-x', 'db10-x'], 'text after the range stays');
  t.same(x('node[7:7]'), ['node7'], 'a range of one');
  t.same(x('node[9:11]'), ['node9', 'node10', 'node11'], 'no width without a leading zero');
});

t.test('letter ranges and several ranges in one name (first one outermost)', async (t) => {
  t.same(x('web-[a:c]'), ['web-a', 'web-b', 'web-c']);
  t.same(x('web-[a:e:2]'), ['web-a', 'web-c', 'web-e']);
  t.same(x('r[1:2]n[01:02]'), ['r1n01', 'r1n02', 'r2n01', 'r2n02']);
  t.same(x('[a:b]-[1:2].lab'), ['a-1.lab', 'a-2.lab', 'b-1.lab', 'b-2.lab']);
});

t.test('malformed ranges are refused with the place and the reason', async (t) => {
  const bad: [string, RegExp][] = [
    ['node[1:3', /"\[" without "\]"/],
    ['node[1]', /write \[begin:end\] or \[begin:end:step\]/],
    ['node[1:2:3:4]', /write \[begin:end\]/],
    ['node[1:]', /the end is missing/],
    ['node[01:100]', /01 sets a width of 2, so the end must have 2 digits too/],
    ['node[5:1]', /5 is after 1/],
    ['node[c:a]', /c comes after a/],
    ['node[1:5:0]', /the step must be a whole number of at least 1, got "0"/],
    ['node[1:5:-1]', /the step must be/],
    ['node[a:5]', /must both be numbers or both single letters/],
    ['node[aa:bb]', /must both be numbers or both single letters/],
    ['node[1.5:3]', /must both be numbers/],
  ];
  for (const [p, re] of bad) {
    t.throws(() => x(p), { code: 'KS_INVALID_ARGUMENT', message: re }, p);
    t.throws(
      () => x(p),
      { message: new RegExp(`^inv:3: bad host range in ${p.replace(/[[\]().*+?^$|\\]/g, '\\$&')}: `) },
      `${p}: place and pattern named`,
    );
  }
});

t.test('a runaway range is refused before it is built', async (t) => {
  t.equal(x(`n[1:${MAX_RANGE_HOSTS}]`).length, MAX_RANGE_HOSTS, 'exactly the limit is fine');
  t.throws(() => x(`n[0:${MAX_RANGE_HOSTS}]`), { message: new RegExp(`stands for more than ${MAX_RANGE_HOSTS} hosts`) });
  t.throws(() => x('n[0:99999999999999999999]'), { message: /stands for more than/ });
  t.throws(() => x('a[1:200]b[1:200]'), { message: /stands for more than/ }, 'the product of two ranges counts');
});
