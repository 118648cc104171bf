// Test helpers for the cleanup engine: a Sweeper on a testbed, with an in-memory log and the
// real port checker, and snapshots of everything a dry run must leave unchanged.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import type { CriClient } from '../../agent/daemon/cri/client';
import { checkPorts, listPorts } from '../../agent/daemon/ports';
import { listProcesses } from '../../agent/daemon/host/proc';
import { Sweeper, SweepConfig } from '../../agent/daemon/sweep';
import { testbedSweepConfig } from '../../scripts/testbed/sweep-config';
import type { Testbed } from '../../scripts/testbed/testbed';

export interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

export function memoryLogger(): { log: pino.Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as LogLine) });
  return { log, lines };
}

export function testbedConfig(tb: Testbed, overrides: Partial<SweepConfig> = {}): SweepConfig {
  return testbedSweepConfig(tb, { nodeName: 'node1', kubeletUnit: 'kubelet.service', graceSeconds: 2, ...overrides });
}

export function testbedSweeper(cri: CriClient, config: SweepConfig) {
  const { log, lines } = memoryLogger();
  const portsDeps = {
    cri,
    containerdAddress: config.containerdAddress,
    containerdNamespace: config.containerdNamespace,
    netnsDirs: config.netnsDirs,
    containerdDirs: config.containerdDirs,
  };
  const sweeper = new Sweeper(config, {
    cri,
    log,
    checkPorts: (ports) => checkPorts(ports, portsDeps),
    listPorts: () => listPorts({}, portsDeps),
  });
  return { sweeper, lines };
}

/** Every file under dir (recursively) with its mode and content hash; netns files by inode. */
export function treeState(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      const st = statSync(p);
      if (e.isDirectory()) {
        out[p] = `dir ${st.mode.toString(8)}`;
        walk(p);
      } else if (st.size > 0 || e.isFile()) {
        let h = '';
        try {
          h = createHash('sha256').update(readFileSync(p)).digest('hex');
        } catch {
          h = `ino ${st.ino}`;
        }
        out[p] = `${st.mode.toString(8)} ${st.size} ${h}`;
      } else out[p] = `ino ${st.ino}`;
    }
  };
  walk(dir);
  return out;
}

/** Live (non-zombie) processes as "pid starttime argv", for before/after comparisons. */
export function processSet(filter: (argv: string[]) => boolean = () => true): string[] {
  return listProcesses()
    .filter((p) => p.state !== 'Z' && filter(p.argv))
    .map((p) => `${p.pid} ${p.startTime} ${p.argv.join(' ')}`)
    .sort();
}
