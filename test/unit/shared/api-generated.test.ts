// agent/shared/api/ is generated from proto/ (npm run gen:api) and committed so tsc can compile
// against it. This test regenerates it into a temp dir and fails on any difference, and checks
// that the generator's options are the ones the agent and the client decode with.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { PROTO_LOADER_OPTIONS } from '../../../agent/shared/grpc-load';
import { packageRoot } from '../../../agent/shared/paths';

const root = packageRoot();
const committed = path.join(root, 'agent', 'shared', 'api');
const script = path.join(root, 'scripts', 'gen-api.sh');

function files(dir: string, rel = ''): string[] {
  return readdirSync(path.join(dir, rel))
    .flatMap((name) => {
      const r = path.join(rel, name);
      return statSync(path.join(dir, r)).isDirectory() ? files(dir, r) : [r];
    })
    .sort();
}

t.test('the committed API types are what the proto generates', async (t) => {
  const tmp = mkdtempSync('/tmp/ks-gen-');
  t.teardown(() => rmSync(tmp, { recursive: true, force: true }));
  execFileSync('sh', [script, tmp], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const fresh = files(tmp);
  t.ok(
    fresh.includes('agent.ts') && fresh.includes(path.join('kubesweep', 'v1', 'ListPortsResponse.ts')),
    'the generator wrote the service and its messages',
  );
  t.same(files(committed), fresh, 'same files (run `npm run gen:api` after editing the proto)');
  const differ = fresh.filter((f) => {
    try {
      return readFileSync(path.join(committed, f), 'utf8') !== readFileSync(path.join(tmp, f), 'utf8');
    } catch {
      return true;
    }
  });
  t.same(differ, [], 'same contents (run `npm run gen:api` after editing the proto)');
});

t.test("the generator's options are PROTO_LOADER_OPTIONS", async (t) => {
  const text = readFileSync(script, 'utf8');
  const flag = (name: string): string | boolean | undefined => {
    const m = new RegExp(`--${name}(?:=(\\S+))?(?=\\s)`).exec(text);
    return m ? (m[1] ?? true) : undefined;
  };
  const o = PROTO_LOADER_OPTIONS;
  t.equal(flag('keepCase') ?? false, o.keepCase ?? false, 'field case');
  t.equal(flag('longs'), (o.longs as unknown as { name: string }).name, '64-bit integers');
  t.equal(flag('enums'), (o.enums as unknown as { name: string }).name, 'enums');
  for (const name of ['defaults', 'arrays', 'objects', 'oneofs'] as const) t.equal(flag(name) ?? false, o[name] ?? false, name);
});
