// Tests make their private network namespaces without touching the machine's /run/netns: nothing
// under test/ or scripts/ runs `ip netns add` (it makes /run/netns a mount point of itself and
// leaves it one), and the check withNetns runs (test/helpers/netns.ts) sees what it would change.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { runNetnsState } from '../../helpers/netns';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    if (name === 'node_modules' || name.startsWith('.')) return [];
    return statSync(p).isDirectory() ? files(p) : /\.(ts|sh|ya?ml|j2)$/.test(name) ? [p] : [];
  });
}

/** The text without its comment lines (`//`, `/*`, ` *`, `#`), which may name what the code avoids. */
function code(text: string): string {
  return text
    .split('\n')
    .filter((l) => !/^\s*(\/\/|\/\*|\*|#)/.test(l))
    .join('\n');
}

t.test('no test, helper or testbed script runs `ip netns add`', async (t) => {
  const root = packageRoot();
  const self = path.join(root, 'test', 'unit', 'architecture', 'private-netns.test.ts');
  const all = ['test', 'scripts'].flatMap((d) => files(path.join(root, d))).filter((f) => f !== self);
  t.ok(all.length > 50, `${all.length} files read`);
  // `ip netns add NAME`, in a shell line or as an argv (`'ip', ['netns', 'add', …]`).
  const add = /\bnetns\s+add\b|['"]netns['"]\s*,\s*['"]add['"]/;
  t.same(
    all.filter((f) => add.test(code(readFileSync(f, 'utf8')))).map((f) => path.relative(root, f)),
    [],
  );
});

const ROOT = '26 1 254:0 / / rw,relatime - ext4 /dev/vda rw';
const RUN_NETNS = '44 26 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw';
const NS_FILE = (id: number, name: string) => `${id} 44 0:4 net:[4026532347] /run/netns/${name} rw shared:1 - nsfs nsfs rw`;
const TMP_NS = '90 26 0:4 net:[4026532400] /tmp/ks-lnk-1a2b3c-XyZ/net rw - nsfs nsfs rw';

t.test("the /run/netns check sees what `ip netns add` does to a machine, and not a test's own netns", async (t) => {
  const fresh = runNetnsState([ROOT].join('\n'), false);
  t.notSame(runNetnsState([ROOT, RUN_NETNS, NS_FILE(45, 'ks-a')].join('\n'), true), fresh, 'after `ip netns add` on a fresh machine');
  t.notSame(runNetnsState([ROOT, RUN_NETNS].join('\n'), true), fresh, 'after `ip netns delete`: /run/netns stays a mount point');
  const marked = runNetnsState([ROOT, RUN_NETNS].join('\n'), true);
  t.notSame(
    runNetnsState([ROOT, RUN_NETNS, NS_FILE(46, 'ks-b')].join('\n'), true),
    marked,
    'a namespace added under an already mounted /run/netns',
  );
  t.same(runNetnsState([ROOT, RUN_NETNS, TMP_NS].join('\n'), true), marked, "a namespace bound onto a file in the test's temp dir");
  t.same(runNetnsState([ROOT, TMP_NS].join('\n'), false), fresh);
});
