// Benchmark of the port report against its anchors, on a loaded machine: a helper process holds
// 2,000 listening TCP sockets and 5,000 established loopback connections (10,000 established
// sockets, both ends in the helper). Each round times, as wall clock of a fresh process:
//   kubesweep  listPorts() with owners (fd scan, cgroup, shim) — `node -e …`
//   ss         `ss -ltnup` (listeners with owning processes)
//   si         systeminformation.networkConnections() — `node -e …`
// plus listPorts() inside this (warm) process. Prints medians and ratios.
// Build: npx tsc -p . ; run: node dist/scripts/bench/ports.js [rounds]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { listPorts } from '../../agent/daemon/ports';

export const LISTENERS = 2_000;
export const CONNECTIONS = 5_000;

// The helper raises its soft fd limit through the shell (the hard limit here is 20,000).
const HELPER = `
const net = require('net');
const servers = [];
const socks = [];
(async () => {
  for (let i = 0; i < ${LISTENERS}; i++) {
    const s = net.createServer((c) => socks.push(c));
    await new Promise((r, j) => { s.once('error', j); s.listen(0, '127.0.0.1', r); });
    servers.push(s);
  }
  const port = servers[0].address().port;
  for (let i = 0; i < ${CONNECTIONS}; i += 250) {
    await Promise.all(Array.from({ length: Math.min(250, ${CONNECTIONS} - i) }, () => new Promise((r, j) => {
      const c = net.connect(port, '127.0.0.1', () => r());
      c.once('error', j);
      socks.push(c);
    })));
  }
  while (socks.length < ${CONNECTIONS * 2}) await new Promise((r) => setTimeout(r, 20));
  process.stdout.write('ready ' + servers.length + ' ' + socks.length + '\\n');
})().catch((e) => { process.stderr.write(String(e.stack || e) + '\\n'); process.exit(1); });
`;

/** A process holding 2,000 listeners and 10,000 established loopback sockets, once it says ready. */
export function startHelper(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', 'ulimit -n 20000 && exec node -e "$KS_BENCH_HELPER"'], {
      env: { ...process.env, KS_BENCH_HELPER: HELPER },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) {
        if (out.startsWith('ready')) resolve(child);
        else reject(new Error(`helper said: ${out}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`helper exited early (${code})`)));
  });
}

const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;

/**
 * Wall clock of one run, and its CPU time (user + sys, from /usr/bin/time when installed):
 * on a busy machine the wall clock mostly measures waiting for a core, the CPU time does not.
 */
function timeCommand(cmd: string, args: string[]): { ms: number; cpuMs?: number; stdout: string } {
  const [file, argv] = TIME ? [TIME, ['-f', 'KSCPU %U %S', cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(file, argv, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  const m = /KSCPU ([\d.]+) ([\d.]+)/.exec(r.stderr);
  return m ? { ms, cpuMs: (Number(m[1]) + Number(m[2])) * 1000, stdout: r.stdout } : { ms, stdout: r.stdout };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 7);
  const portsModule = path.join(__dirname, '../../agent/daemon/ports/index.js');
  const siModule = require.resolve('systeminformation');
  const ours = [
    '-e',
    `require(${JSON.stringify(portsModule)}).listPorts({}, {}).then((r) => { let o = 0; for (const l of r.listeners) o += l.owners.length; process.stdout.write(r.listeners.length + ' ' + o + '\\n'); })`,
  ];
  const si = ['-e', `require(${JSON.stringify(siModule)}).networkConnections().then((c) => process.stdout.write(c.length + '\\n'))`];

  const helper = await startHelper();
  const pid = helper.pid!;
  try {
    console.log(
      `helper pid ${pid}: ${LISTENERS} TCP listeners on 127.0.0.1, ${CONNECTIONS} established loopback connections (${CONNECTIONS * 2} sockets)`,
    );
    // Sanity, once: all three see the load, and our owners are the helper.
    const report = await listPorts({}, {});
    const mine = report.listeners.filter((l) => l.owners.some((o) => o.pid === pid));
    console.log(
      `kubesweep report: ${report.listeners.length} listeners, ${mine.length} owned by the helper; ss -ltnup lines: ${timeCommand('ss', ['-ltnupH']).stdout.trim().split('\n').length}; si connections: ${timeCommand('node', si).stdout.trim()}`,
    );
    if (mine.length < LISTENERS) throw new Error(`expected ≥ ${LISTENERS} listeners owned by ${pid}, got ${mine.length}`);

    const wall = { ours: [] as number[], ss: [] as number[], si: [] as number[], warm: [] as number[], node: [] as number[] };
    const cpu = { ours: [] as number[], ss: [] as number[], si: [] as number[], warm: [] as number[], node: [] as number[] };
    // dist/ is shared with other builds: a run that catches a half-written file fails; it is
    // reported and run again (at most twice), never silently dropped.
    const run = (key: 'ours' | 'ss' | 'si' | 'node', cmd: string, args: string[]) => {
      for (let attempt = 1; ; attempt++) {
        try {
          const r = timeCommand(cmd, args);
          wall[key].push(r.ms);
          if (r.cpuMs !== undefined) cpu[key].push(r.cpuMs);
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
          console.log(
            `  (${key} run failed, repeating: ${
              String((err as Error).message)
                .split('\n')
                .find((l) => /Error/.test(l)) ?? 'see stderr'
            })`,
          );
        }
      }
    };
    for (let i = 0; i < rounds; i++) {
      run('ours', 'node', ours);
      run('ss', 'ss', ['-ltnup']);
      run('si', 'node', si);
      run('node', 'node', ['-e', '0']);
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      await listPorts({}, {});
      wall.warm.push(Number(process.hrtime.bigint() - t0) / 1e6);
      const c = process.cpuUsage(c0);
      cpu.warm.push((c.user + c.system) / 1000);
    }
    const f = (xs: number[]) => (xs.length ? `${median(xs).toFixed(0)} ms` : 'n/a');
    const ratio = (a: number[], b: number[]) => (a.length && b.length ? `${(median(a) / median(b)).toFixed(2)}x` : 'n/a');
    const row = (label: string, key: keyof typeof wall) =>
      console.log(`  ${label.padEnd(44)} ${f(wall[key]).padStart(8)} wall ${f(cpu[key]).padStart(8)} cpu`);
    console.log(`rounds: ${rounds} (medians; cpu = user + sys of that process)`);
    row('kubesweep listPorts, fresh node process', 'ours');
    row('kubesweep listPorts, warm (in the agent)', 'warm');
    row('ss -ltnup', 'ss');
    row('systeminformation.networkConnections()', 'si');
    row('node -e 0 (node startup alone)', 'node');
    console.log(
      `ratios vs ss -ltnup (wall / cpu): kubesweep fresh ${ratio(wall.ours, wall.ss)} / ${ratio(cpu.ours, cpu.ss)}, kubesweep warm ${ratio(wall.warm, wall.ss)} / ${ratio(cpu.warm, cpu.ss)}, systeminformation ${ratio(wall.si, wall.ss)} / ${ratio(cpu.si, cpu.ss)}`,
    );
    console.log(
      `load average at the end: ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} on ${os.cpus().length} cores`,
    );
  } finally {
    // Only the helper we started, by its pid (bash exec'd into node, so it is the same pid).
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
