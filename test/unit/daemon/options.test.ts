// The option table is the one source: every entry must reach the flag parser, the file loader,
// --help, validation and docs/configuration.md, and its default must pass its own check.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isKubesweepError } from '../../../agent/shared/errors';
import { loadConfig, parseFlags, readConfigFile, resolveConfig, USAGE } from '../../../agent/daemon/config';
import { defaultSweepConfig, toSweepConfig } from '../../../agent/daemon/engine-config';
import { OPTIONS, type OptionDef } from '../../../agent/daemon/options';
import { packageRoot } from '../../../agent/shared/paths';
import { renderConfigExample, yamlFlow } from '../../../agent/daemon/config-example';
import { CONFIG_DOC, CONFIG_EXAMPLE, findConfigTable, readmeWithConfigTable, renderConfigTable } from '../../../scripts/gen-readme-config';

const entries = Object.entries(OPTIONS) as [string, OptionDef<unknown>][];
const isFile = (p: string): boolean => p.startsWith('/pki/');

t.test('the configuration reference table (docs/configuration.md) is the one rendered from the option table', async (t) => {
  const readme = readFileSync(path.join(packageRoot(), CONFIG_DOC), 'utf8');
  const found = findConfigTable(readme);
  t.ok(found, `${CONFIG_DOC} has the table`);
  const want = renderConfigTable();
  t.equal(
    found?.text,
    want,
    `${CONFIG_DOC} differs from the option table: run \`npm run gen:readme-config\` (the diff shows the expected table)`,
  );
  t.equal(readmeWithConfigTable(readme), readme, 'regenerating changes nothing');
  for (const [, d] of entries) t.match(want, `| \`${d.file}\` |`, `${d.file} has a row`);
});

t.test("install.sh's commented config is the one rendered from the option table, and its values are the defaults", async (t) => {
  const text = readFileSync(path.join(packageRoot(), CONFIG_EXAMPLE), 'utf8');
  t.equal(text, renderConfigExample(), `${CONFIG_EXAMPLE} differs from the option table: run \`npm run gen:readme-config\``);
  const defs = Object.values(OPTIONS) as OptionDef<unknown>[];
  for (const d of defs) {
    const key = d.file.includes('.') ? `#   ${d.file.split('.')[1]}:` : `# ${d.file}:`;
    t.ok(
      text.split('\n').some((l) => l.startsWith(key + ' ')),
      `${d.file} is in it`,
    );
  }
  // Every top-level value line uncommented (placeholders and the tls mapping left out) loads to
  // exactly the defaults: the example never shows a value the agent would not use.
  const uncommented = text
    .split('\n')
    .map((l) => (/^# [A-Za-z]+: (?!<)/.test(l) && defs.some((d) => l.startsWith(`# ${d.file}: `)) ? l.slice(2) : l))
    .join('\n');
  const given = uncommented.split('\n').filter((l) => /^[A-Za-z]+: /.test(l)).length;
  t.equal(
    given,
    defs.filter((d) => !d.file.includes('.') && !d.perHost && d.default !== undefined).length,
    'one value line per option with a default',
  );
  const { raw, problems } = readConfigFile('example.yaml', () => uncommented);
  t.same(problems, []);
  const { config, problems: vp } = resolveConfig({ ...raw, nodeName: 'node1' });
  t.same(vp, []);
  const { config: defaults } = resolveConfig({ nodeName: 'node1' });
  t.same(config, defaults, 'uncommented, the example is the defaults');
  t.equal(yamlFlow(['*calico*', 'cni0', '', 'true', '6443']), '["*calico*", cni0, "", "true", "6443"]', 'YAML specials are quoted');
});

t.test('every option: its default passes its own check, and --help and the file loader know it', async (t) => {
  for (const [name, d] of entries) {
    if (d.default !== undefined) {
      const problems: string[] = [];
      const parsed = d.check(d.fileDefault ?? d.default, d.file, problems, { isFile: () => true });
      t.same(problems, [], `${name}: the default ${JSON.stringify(d.default)} is valid`);
      t.same(parsed, d.default, `${name}: the default is what its check makes of it`);
    }
    if (d.flag !== undefined) t.match(USAGE, new RegExp(`^  --${d.flag} `, 'm'), `--help lists --${d.flag}`);
    else t.match(USAGE, new RegExp(`file only: .*\\b${d.file}\\b`), `--help names file-only ${d.file}`);
    const top = d.file.split('.')[0];
    t.notMatch(readConfigFile('/x.yaml', () => `${top}: null\n`).problems.join(), /unknown option/, `the file accepts ${top}`);
  }
});

t.test('every flag lands on its file key, and flags override the file key by key', async (t) => {
  for (const [name, d] of entries) {
    if (d.flag === undefined) continue;
    const raw = parseFlags([`--${d.flag}`, '7']).raw;
    const [group, member] = d.file.split('.');
    const got = member === undefined ? raw[group] : (raw[group] as Record<string, unknown> | undefined)?.[member];
    t.same(got, d.fromFlag ? d.fromFlag(['7']) : d.repeatable ? ['7'] : '7', `--${d.flag} sets ${d.file} (${name})`);
  }
});

t.test('integer options: exactly their bounds, one message each', async (t) => {
  const ints = entries.filter(([, d]) => d.type.startsWith('integer '));
  t.ok(ints.length >= 6, `${ints.length} integer options`);
  for (const [name, d] of ints) {
    const [min, max] = d.type.slice('integer '.length).split('–').map(Number) as [number, number];
    const problemsFor = (v: unknown): string[] => resolveConfig({ nodeName: 'n', [d.file]: v }).problems;
    t.same(problemsFor(min), [], `${name} = ${min} ok`);
    t.same(problemsFor(max), [], `${name} = ${max} ok`);
    for (const bad of [min - 1, max + 1, 1.5, '3'])
      t.same(problemsFor(bad), [`${d.file}: must be an integer from ${min} to ${max}`], `${name} = ${JSON.stringify(bad)} refused`);
  }
});

t.test('the engine is bounded by the agent table alone (parallelism 1–64, retries 0–10, criTimeoutMs ≤ 600 s)', async (t) => {
  const refused = (o: Record<string, number>): string[] => {
    try {
      defaultSweepConfig(o);
    } catch (err) {
      if (isKubesweepError(err, 'KS_CONFIG_INVALID')) return err.details.problems as string[];
      throw err;
    }
    return [];
  };
  t.match(refused({ parallelism: 65 }), [/parallelism: must be an integer from 1 to 64/]);
  t.match(refused({ retries: 11 }), [/retries: must be an integer from 0 to 10/]);
  t.match(refused({ criTimeoutMs: 600_001 }), [/criTimeoutMs: must be an integer from 100 to 600000/]);
  t.same(refused({ parallelism: 64, retries: 10, criTimeoutMs: 600_000 }), []);
  const { config } = loadConfig(['--node-name', 'n'], { isFile });
  const sc = toSweepConfig(config);
  t.match(
    sc,
    { graceSeconds: 10, criTimeoutMs: 60_000, parallelism: 16, retries: 3, containerdAddress: '/run/containerd/containerd.sock' },
    'defaults come from the table',
  );
  t.ok(Object.isFrozen(sc) && Object.isFrozen(sc.netnsDirs), 'frozen');
});

t.test('values given in a mapping that holds options: unknown members and wrong shapes are reported', async (t) => {
  t.match(resolveConfig({ nodeName: 'n', tls: 'x' }).problems, [/^tls: must be a mapping with cert, key, clientCa and crl$/]);
  t.match(resolveConfig({ nodeName: 'n', tls: { cert: '/pki/a', key: '/pki/b', clientCa: '/pki/c', ca: '/x' } }, { isFile }).problems, [
    /^tls: unknown option "ca"$/,
  ]);
  t.match(resolveConfig({ nodeName: 'n', bogus: 1 }).problems, [/^unknown option "bogus"$/]);
  const { config } = resolveConfig({ nodeName: 'n', tls: { cert: '/pki/a', key: '/pki/b', clientCa: '/pki/c' } }, { isFile });
  t.same(config?.tls, { cert: '/pki/a', key: '/pki/b', clientCa: '/pki/c' });
  t.notOk('tlsCert' in (config ?? {}), 'the TLS files appear once, as tls');
});
