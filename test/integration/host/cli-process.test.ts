// Process-level behaviour of the compiled client (dist/agent/client/cli.js): Ctrl-C during a call,
// a closed pipe, unusable TLS files, usage errors on stderr with exit 2.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import t, { type Test } from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { startFakeAgent } from '../../helpers/fake-agent';

const CLI = path.join(packageRoot(), 'dist', 'agent', 'client', 'cli.js');

function tmp(t: Test): string {
  const d = mkdtempSync('/tmp/ksp-');
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A unix socket that accepts connections and never answers: a call to it hangs. */
async function mute(t: Test, sock: string): Promise<void> {
  const conns = new Set<net.Socket>();
  const srv = net.createServer((c) => {
    conns.add(c);
    c.on('close', () => conns.delete(c));
  });
  await new Promise<void>((r) => srv.listen(sock, r));
  t.teardown(
    () =>
      new Promise<void>((r) => {
        for (const c of conns) c.destroy();
        srv.close(() => r());
      }),
  );
}

async function interrupted(t: Test, args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise((r) => setTimeout(r, 1500));
  child.kill('SIGINT');
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  return { code, stderr };
}

t.test('Ctrl-C during a reset says the agent finishes it; during a read it just stops', async (t) => {
  const d = tmp(t);
  const sock = path.join(d, 'mute.sock');
  await mute(t, sock);
  const reset = await interrupted(t, ['--agent', `unix://${sock}`, '--connect-timeout', '60', 'reset', '--confirm', 'node1']);
  t.equal(reset.code, 130, 'exit 130');
  t.match(reset.stderr, /interrupted; the agent finishes the reset already started on its node: see kubesweep inspect/);
  const read = await interrupted(t, ['--agent', `unix://${sock}`, '--connect-timeout', '60', 'info']);
  t.equal(read.code, 130);
  t.equal(read.stderr.trim(), 'kubesweep: interrupted');
});

t.test('a closed pipe ends the client quietly', async (t) => {
  // 3,000 listeners: a JSON document far larger than a pipe's buffer.
  const fake = await startFakeAgent({ nodeName: 'node1', held: Array.from({ length: 3000 }, (_, i) => 20000 + i) });
  t.teardown(() => fake.close());
  // `kubesweep --json ports | head -c 10`: the reader goes away after 10 bytes.
  // (spawned asynchronously: the stand-in agent lives in this process and must keep serving)
  const r = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
    const sh = spawn('bash', [
      '-c',
      `"${process.execPath}" "${CLI}" --agent ${fake.endpoint} --json ports | head -c 10 >/dev/null; echo "\${PIPESTATUS[0]}"`,
    ]);
    let stdout = '';
    let stderr = '';
    sh.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    sh.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    sh.once('exit', () => resolve({ stdout, stderr }));
  });
  t.notMatch(r.stderr, /EPIPE|Error|at /, `no stack trace on stderr: ${r.stderr}`);
  t.equal(r.stdout.trim(), '0', 'exit 0, not a crash');
});

t.test('unusable TLS files and usage errors: exit 2, one line on stderr, nothing on stdout', async (t) => {
  const d = tmp(t);
  const junk = path.join(d, 'junk.pem');
  writeFileSync(junk, 'not a certificate\n');
  const bad = spawnSync(
    process.execPath,
    [CLI, '--agent', '127.0.0.1:9443', '--tls-ca', junk, '--tls-cert', junk, '--tls-key', junk, 'info'],
    { encoding: 'utf8' },
  );
  t.equal(bad.status, 2);
  t.match(bad.stderr, /^kubesweep: 127\.0\.0\.1:9443: usage \(KS_INVALID_ARGUMENT\): unusable TLS files/);
  t.equal(bad.stderr.trim().split('\n').length, 1);
  for (const args of [['reset'], ['--agent', 'x y', 'info'], ['check-ports', 'abc'], ['nope'], []]) {
    const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
    t.equal(r.status, 2, `${args.join(' ') || '(no args)'} → 2`);
    t.equal(r.stdout, '', 'nothing on stdout');
    t.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr.trim()}`);
  }
  const json = spawnSync(process.execPath, [CLI, '--json', 'reset'], { encoding: 'utf8' });
  t.equal(json.status, 2, 'a usage error with --json: exit 2');
  t.same(
    JSON.parse(json.stdout),
    {
      error: {
        kind: 'usage',
        code: 'KS_INVALID_ARGUMENT',
        message: 'reset changes the node: add --confirm NODE (the agent refuses unless NODE is its node name)',
      },
    },
    'and one JSON document on stdout',
  );
  t.match(json.stderr, /^kubesweep: reset changes the node/);
});
