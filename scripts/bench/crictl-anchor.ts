// The reset bench's real anchor: `crictl rmp -af` (per pod PodSandboxStatus, StopPodSandbox,
// RemovePodSandbox, every pod in its own goroutine; nothing verified), run as built from its tag
// by scripts/bench/crictl.sh, against the testbed's socket with a config file of its own (never the
// machine's /etc/crictl.yaml) that says what Kubespray's crictl.yaml says besides the endpoints:
// `timeout: 30` (crictl's built-in 2 s fails StopPodSandbox calls on a loaded 2-core machine).
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../agent/shared/paths';

export interface Crictl {
  tag: string;
  bin: string;
}

/** The crictl binaries crictl.sh has or can build, and why any tag is missing (empty: none). */
export function findCrictl(tags: readonly string[]): { found: Crictl[]; missing: string } {
  const r = spawnSync('sh', [path.join(packageRoot(), 'scripts/bench/crictl.sh'), ...tags], { encoding: 'utf8' });
  const bins = r.stdout.split('\n').filter(Boolean);
  const found = tags.flatMap((tag) => {
    const bin = bins.find((b) => b.endsWith(`crictl-${tag}`));
    return bin ? [{ tag, bin }] : [];
  });
  const why = (r.stderr ?? '').trim().split('\n').slice(-3).join(' / ');
  const missing = tags.filter((t) => !found.some((f) => f.tag === t));
  return { found, missing: missing.length ? `${missing.join(', ')} unavailable (${why || `crictl.sh exit ${r.status}`})` : '' };
}

/** `crictl rmp -af` against the socket; rejects with crictl's own output when it fails. */
export function crictlRemoveAll(c: Crictl, socket: string, scratch: string): Promise<void> {
  const config = path.join(scratch, 'crictl.yaml');
  writeFileSync(config, 'timeout: 30\n');
  const ep = `unix://${socket}`;
  const child = spawn(c.bin, ['--config', config, '--runtime-endpoint', ep, '--image-endpoint', ep, 'rmp', '-af'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`crictl ${c.tag} rmp -af: exit ${code}: ${err.trim().split('\n')[0]}`)),
    );
  });
}
