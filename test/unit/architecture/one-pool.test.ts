// One bounded pool (agent/shared/pool.ts). There were three (a worker-loop mapLimit in the engine,
// a semaphore in remove-pods, a worker-loop fanOut in the client) and they had started to drift;
// this fails when a hand-rolled one grows back somewhere in agent/.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';

const agent = path.resolve(__dirname, '../../../agent');
const POOL = path.join('shared', 'pool.ts');

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

// The shapes a bounded pool takes: N workers pulling from a shared index, or a counter of
// active calls with a queue of waiters, or a class named for it.
const SHAPES: [string, RegExp][] = [
  ['worker loop', /Promise\.all\(\s*Array\.from\(\s*\{\s*length/],
  ['waiter queue', /\.queue\.shift\(\)/],
  ['pool class', /class\s+\w*(Semaphore|Limiter|Pool|Throttle)\b/],
];

t.test('the only bounded pool in agent/ is shared/pool.ts', async (t) => {
  const pool = readFileSync(path.join(agent, POOL), 'utf8');
  t.ok(
    SHAPES.some(([, re]) => re.test(pool)),
    'the patterns recognise the pool itself',
  );
  const copies = tsFiles(agent)
    .filter((f) => path.relative(agent, f) !== POOL)
    .flatMap((f) => {
      const text = readFileSync(f, 'utf8');
      return SHAPES.filter(([, re]) => re.test(text)).map(([what]) => `${path.relative(agent, f)}: ${what}`);
    });
  t.same(copies, [], 'use Limiter / mapLimit from agent/shared/pool.ts');
});
