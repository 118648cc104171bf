// `npm run bench`: every benchmark that is not part of `npm test`, one after another, each in
// its own process so one's memory and JIT state cannot colour the next one's figures.
//   reset  — the agent and the engine vs real `crictl rmp -af` (crictl.sh builds it) and the
//            sequential and unbounded-parallel baselines (60 pods); CRI calls per pod
//   agent  — the daemon's start-to-ready time and idle RSS
//   footprint — the single executable vs the npm layout: size, start-to-ready, idle RSS, RSS
//            after a reset, `kubesweep --json ports` vs ss (needs npm run build:sea; skipped
//            with a note when dist/sea/ is missing)
//   soak   — one agent, 20 cycles of seed residue + reset with 20 concurrent ListPorts reads:
//            every reset clean, no read fails, no fd growth, RSS(20) <= 1.15x RSS(2)
// `npm run bench:ports` (the port report vs ss and systeminformation) runs on its own: it
// holds 12,000 sockets and wants a quiet machine.
import { spawnSync } from 'node:child_process';
import path from 'node:path';

const BENCHES = ['reset', 'agent', 'footprint', 'soak'] as const;

function main(): number {
  const only = process.argv.slice(2).filter((a) => (BENCHES as readonly string[]).includes(a));
  let failed = 0;
  for (const name of only.length ? only : BENCHES) {
    console.log(`\n=== bench: ${name} ===`);
    const r = spawnSync(process.execPath, [path.join(__dirname, `${name}.js`)], { stdio: 'inherit' });
    if (r.status !== 0) {
      console.log(`bench ${name} failed (exit ${r.status ?? r.signal})`);
      failed++;
    }
  }
  return failed ? 1 : 0;
}

process.exitCode = main();
