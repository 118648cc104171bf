// One JavaScript file holding all of kubesweep (client and agent) and its production
// dependencies: the input of the single executable (sea.ts), and runnable on its own with
// `node dist/bundle/kubesweep.js`. It is bundled from tsc's output (dist/agent/entry.js), not
// from the TypeScript sources, so every module keeps its own CommonJS `module` and the
// `require.main === module` checks of the two entries stay false inside the bundle.
//
// Two things are read from disk at run time in the npm layout and cannot be in a single file:
// the protos (ours, and grpc-health-check's health.proto, which it loads next to its own
// __dirname) and package.json's version. They are parsed here and carried as proto-loader
// JSON descriptors: agent/shared/embedded.js is replaced with them, and grpc-health-check's
// loadSync() call becomes fromJSON().
import { build, type Plugin } from 'esbuild';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Embedded } from '../../agent/shared/embedded';
import { PROTO_LOADER_OPTIONS } from '../../agent/shared/grpc-load';
import { packageRoot } from '../../agent/shared/paths';

/** The protos our code loads through agent/shared/grpc-load.ts (paths under proto/). */
export const OUR_PROTOS = ['kubesweep/v1/agent.proto', 'cri/runtime/v1/runtime.proto'] as const;

interface ProtobufRoot {
  toJSON(): object;
}
type LoadProtos = (file: string, opts: object) => ProtobufRoot;

function protoLoaderUtil(): { loadProtosWithOptionsSync: LoadProtos } {
  // proto-loader's own parser (same protobufjs, same options), so the descriptor is what
  // loadSync() would have built at run time.
  return require(require.resolve('@grpc/proto-loader/build/src/util', { paths: [packageRoot()] })) as {
    loadProtosWithOptionsSync: LoadProtos;
  };
}

/** Parse a proto file the way loadSync() does, and return it as a JSON descriptor. */
export function protoDescriptor(file: string, opts: object, includeDirs: string[]): object {
  return protoLoaderUtil()
    .loadProtosWithOptionsSync(file, { ...opts, includeDirs })
    .toJSON();
}

/** What the bundle carries (agent/shared/embedded.ts's EMBEDDED). */
export function embeddedData(root = packageRoot()): Embedded {
  const protoDir = path.join(root, 'proto');
  const protos: Record<string, object> = {};
  for (const p of OUR_PROTOS) protos[p] = protoDescriptor(path.join(protoDir, p), PROTO_LOADER_OPTIONS, [protoDir]);
  const version = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string }).version;
  return { version, protos };
}

/** The module that replaces agent/shared/embedded.js in the bundle. */
export function embeddedModule(root = packageRoot()): string {
  return `"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\nexports.EMBEDDED = Object.freeze(${JSON.stringify(embeddedData(root))});\n`;
}

const HEALTH_LOAD = /\(0, proto_loader_1\.loadSync\)\('health\/v1\/health\.proto', \{([^}]*)includeDirs: \[[^\]]*\],?\s*\}\)/;

/** grpc-health-check's health.js with its proto inlined (the options it passes are kept). */
export function inlineHealthProto(source: string, healthJsFile: string): string {
  const m = HEALTH_LOAD.exec(source);
  if (!m) throw new Error(`bundle: grpc-health-check changed: no loadSync('health/v1/health.proto', …) call in ${healthJsFile}`);
  // Its options, evaluated as it would (keepCase, longs: String, …).
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- evaluates the options object literal of our own pinned dependency, at build time
  const evaluate = new Function('String', `return {${m[1]}}`) as (s: typeof String) => object;
  const opts = evaluate(String);
  const protoDir = path.resolve(path.dirname(healthJsFile), '../../proto');
  const json = protoDescriptor(path.join(protoDir, 'health/v1/health.proto'), opts, [protoDir]);
  return source.replace(HEALTH_LOAD, `(0, proto_loader_1.fromJSON)(${JSON.stringify(json)}, {${m[1]}})`);
}

function embedPlugin(root: string, seen: Set<string>): Plugin {
  return {
    name: 'kubesweep-embed',
    setup(b) {
      b.onLoad({ filter: /[\\/]dist[\\/]agent[\\/]shared[\\/]embedded\.js$/ }, () => {
        seen.add('embedded');
        return { contents: embeddedModule(root), loader: 'js' };
      });
      b.onLoad({ filter: /[\\/]grpc-health-check[\\/]build[\\/]src[\\/]health\.js$/ }, (args) => {
        seen.add('health');
        return { contents: inlineHealthProto(readFileSync(args.path, 'utf8'), args.path), loader: 'js' };
      });
    },
  };
}

export interface BundleResult {
  file: string;
  bytes: number;
}

/** Bundle dist/agent/entry.js (run tsc first) into OUT (default dist/bundle/kubesweep.js). */
export async function bundle(opts: { root?: string; outFile?: string; minify?: boolean } = {}): Promise<BundleResult> {
  const root = opts.root ?? packageRoot();
  const entry = path.join(root, 'dist', 'agent', 'entry.js');
  statSync(entry); // a clear ENOENT when tsc has not run
  const outFile = opts.outFile ?? path.join(root, 'dist', 'bundle', 'kubesweep.js');
  mkdirSync(path.dirname(outFile), { recursive: true });
  const seen = new Set<string>();
  await build({
    stdin: {
      contents: `require(${JSON.stringify(entry)}).startProcess();\n`,
      resolveDir: root,
      sourcefile: 'kubesweep-main.js',
      loader: 'js',
    },
    bundle: true,
    platform: 'node',
    // The machine's Node 20 runs the bundle in tests; the single executable carries Node 24.
    target: 'node20',
    format: 'cjs',
    outfile: outFile,
    banner: { js: '#!/usr/bin/env node' },
    // Whitespace and syntax only: identifiers (error classes, function names in stacks) stay.
    minifyWhitespace: opts.minify ?? true,
    minifySyntax: opts.minify ?? true,
    keepNames: true,
    legalComments: 'none',
    logLevel: 'warning',
    plugins: [embedPlugin(root, seen)],
  });
  for (const what of ['embedded', 'health']) {
    if (!seen.has(what))
      throw new Error(
        `bundle: ${what === 'embedded' ? 'dist/agent/shared/embedded.js' : 'grpc-health-check'} was not part of the bundle: the protos would be missing`,
      );
  }
  return { file: outFile, bytes: statSync(outFile).size };
}

if (require.main === module) {
  bundle().then(
    (r) => process.stdout.write(`bundle: ${path.relative(process.cwd(), r.file)} (${(r.bytes / 1024).toFixed(0)} KiB)\n`),
    (err) => {
      process.stderr.write(`bundle: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
