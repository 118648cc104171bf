// The docs are one README and a file per topic under docs/: every relative link between them
// must name a file that exists and, with a #fragment, a heading of that file (GitHub's slugs).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';

const root = packageRoot();
const docs = [
  'README.md',
  ...readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f)),
];

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to dashes. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\- _]/gu, '')
    .replace(/ /g, '-');
}

function anchors(file: string): Set<string> {
  const text = readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
  return new Set([...text.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));
}

t.test('slug follows GitHub', async (t) => {
  t.equal(slug('The client: `kubesweep`'), 'the-client-kubesweep');
  t.equal(slug('Who holds the port?'), 'who-holds-the-port');
  t.equal(slug('Rejoin-ready: what else a rejoin trips over'), 'rejoin-ready-what-else-a-rejoin-trips-over');
});

t.test('every relative link in README.md and docs/ resolves to a file and a heading', async (t) => {
  t.ok(docs.length > 5, 'README.md and the docs/ files are found');
  let checked = 0;
  for (const file of docs) {
    const text = readFileSync(path.join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
    for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = m[1];
      if (/^[a-z]+:/.test(target)) continue; // http:, https:, file:, mailto:
      const [rel, fragment] = target.split('#', 2);
      const dest = rel === '' ? file : path.normalize(path.join(path.dirname(file), rel));
      checked++;
      if (!existsSync(path.join(root, dest))) {
        t.fail(`${file}: link ${target} names a missing file ${dest}`);
        continue;
      }
      if (fragment !== undefined && dest.endsWith('.md'))
        t.ok(anchors(dest).has(fragment), `${file}: ${target} names a heading of ${dest}`);
    }
  }
  t.ok(checked >= 15, `links were checked (${checked})`);
});
