// kubesweep's version, read once from the package.json next to proto/ (works from source and
// from dist/, see paths.ts); the single-file build carries it (embedded.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { EMBEDDED } from './embedded';
import { packageRoot } from './paths';

let cached: string | undefined;

export function agentVersion(): string {
  if (cached === undefined && EMBEDDED) cached = EMBEDDED.version;
  if (cached === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown };
      cached = typeof pkg.version === 'string' ? pkg.version : '0.0.0-unknown';
    } catch {
      cached = '0.0.0-unknown';
    }
  }
  return cached;
}
