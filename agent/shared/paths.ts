import { existsSync } from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/**
 * The package root (the directory holding proto/ and package.json). Code runs both from
 * source (agent/…) and compiled (dist/agent/…), so walk up instead of hard-coding depth.
 */
export function packageRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'proto'))) {
      cached = dir;
      return dir;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`kubesweep: cannot find the package root above ${__dirname}`);
    dir = parent;
  }
}

export function protoPath(...parts: string[]): string {
  return path.join(packageRoot(), 'proto', ...parts);
}
