// Carry out an Invocation: call each agent, stream reset progress, print the results (human or
// exactly one JSON document) and return the exit code. Output streams are injected so tests
// and the demo can read what an operator would see.
import { apiDocument, type ApiDocument } from '../shared/api-doc';
import { toKubesweepError } from '../shared/errors';
import { AgentClient } from './agent-client';
import { mapLimit } from '../shared/pool';
import { formatFailure, formatResult, formatSummary } from './format';
import { terminalSafe, terminalSafeDeep } from '../shared/terminal-safe';
import { ResetProgress } from './progress';
import { colorWanted, makeStyle, Style } from './style';
import {
  RESULT_MESSAGE,
  type AgentTarget,
  type CommandResult,
  type ExitCode,
  type Invocation,
  type NodeFailure,
  type NodeOutcome,
} from './types';
import { exitCodeOf, worstExitCode } from './verdict';
import type { Out } from '../shared/api-types';

export interface Output {
  write(s: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface RunIO {
  stdout: Output;
  stderr: Output;
  env?: NodeJS.ProcessEnv;
}

/** Call one agent; never throws: failures become a NodeFailure with exit code 2. */
export async function callAgent(inv: Invocation, target: AgentTarget, onProgress?: (ev: Out<'Progress'>) => void): Promise<NodeOutcome> {
  const started = Date.now();
  const node = target.node ?? target.endpoint;
  let client: AgentClient | undefined;
  try {
    client = new AgentClient({ endpoint: target.endpoint, tls: inv.tls, connectTimeoutMs: inv.connectTimeoutMs });
    const result = await dispatch(inv, client, target, onProgress);
    return { node, endpoint: target.endpoint, exitCode: exitCodeOf(result), result, durationMs: Date.now() - started };
  } catch (err) {
    return { node, endpoint: target.endpoint, exitCode: 2, error: toFailure(err), durationMs: Date.now() - started };
  } finally {
    client?.close();
  }
}

function confirmFor(inv: Invocation, target: AgentTarget): string {
  // The guard is always the operator's word: --confirm NODE, or the name the agents file
  // pairs with this endpoint. It is never asked of the agent.
  if (inv.confirm?.mode === 'node') return inv.confirm.node;
  if (inv.confirm?.mode === 'each' && target.node) return target.node;
  throw new Error(`internal: no confirmation for ${target.endpoint}`);
}

async function dispatch(
  inv: Invocation,
  client: AgentClient,
  target: AgentTarget,
  onProgress?: (ev: Out<'Progress'>) => void,
): Promise<CommandResult> {
  const guarded = () => ({
    confirmNode: confirmFor(inv, target),
    dryRun: inv.dryRun,
    scope: inv.scope,
    ...(inv.graceSeconds !== undefined ? { graceSeconds: inv.graceSeconds } : {}),
  });
  switch (inv.command) {
    case 'reset':
      return {
        command: 'reset',
        value: await client.reset(
          { ...guarded(), expectFreePorts: inv.expectFree, withKinds: inv.withKinds, withoutKinds: inv.withoutKinds },
          onProgress,
        ),
      };
    case 'stop-pods':
      return { command: 'stop-pods', value: await client.stopPods(guarded()) };
    case 'wipe-manifests':
      return { command: 'wipe-manifests', value: await client.wipeManifests(guarded()) };
    case 'remove-netns':
      return { command: 'remove-netns', value: await client.removeNetns(guarded()) };
    case 'restore-manifests':
      return { command: 'restore-manifests', value: await client.restoreManifests(confirmFor(inv, target), inv.backupId) };
    case 'ports':
      return { command: 'ports', value: await client.listPorts(inv.allNetns) };
    case 'check-ports':
      return { command: 'check-ports', value: await client.checkPorts(inv.ports) };
    case 'inspect':
      return { command: 'inspect', value: await client.inspect() };
    case 'info':
      return { command: 'info', value: await client.info() };
  }
}

export function toFailure(err: unknown): NodeFailure {
  const e = toKubesweepError(err);
  if (e.code === 'KS_AGENT_UNREACHABLE') return { kind: 'unreachable', code: e.code, message: e.message };
  if (e.code === 'KS_TLS_HANDSHAKE') return { kind: 'tls', code: e.code, message: e.message };
  // Client-side validation (bad endpoint, unreadable certificate) has no rpc in its details.
  if (e.code === 'KS_INVALID_ARGUMENT' && e.details.rpc === undefined) return { kind: 'usage', code: e.code, message: e.message };
  return { kind: 'refused', code: e.code, message: e.message };
}

/** The agent's answer as JSON: the same document its HTTP side renders from the same message. */
export function documentOf(result: CommandResult): ApiDocument {
  return apiDocument(RESULT_MESSAGE[result.command], result.value);
}

function jsonOf(o: NodeOutcome): Record<string, unknown> {
  const doc: Record<string, unknown> = { node: o.node, endpoint: o.endpoint, exitCode: o.exitCode, durationMs: o.durationMs };
  if (o.result) doc.result = documentOf(o.result);
  if (o.error) doc.error = o.error;
  return doc;
}

/** The whole client run. Returns the process exit code. */
export async function run(inv: Invocation, io: RunIO): Promise<ExitCode> {
  const style = makeStyle(colorWanted(inv.color, !!io.stdout.isTTY, io.env));
  return inv.fanOut ? runFleet(inv, io, style) : runSingle(inv, io, style);
}

async function runSingle(inv: Invocation, io: RunIO, style: Style): Promise<ExitCode> {
  const target = inv.targets[0];
  let progress: ResetProgress | undefined;
  if (!inv.json && inv.command === 'reset') progress = new ResetProgress(io.stdout, style, { live: !!io.stdout.isTTY });
  const outcome = await callAgent(inv, target, progress ? (ev) => progress.onEvent(terminalSafeDeep(ev)) : undefined);
  progress?.finish();
  if (inv.json) {
    const doc = outcome.result ? documentOf(outcome.result) : { node: outcome.node, endpoint: outcome.endpoint, error: outcome.error };
    io.stdout.write(`${JSON.stringify(doc, null, 2)}\n`);
    if (outcome.error) io.stderr.write(`${formatFailure(terminalSafe(outcome.endpoint), terminalSafeDeep(outcome.error))}\n`);
  } else if (outcome.result) {
    io.stdout.write(`${formatResult(terminalSafeDeep(outcome.result), style)}\n`);
  } else {
    io.stderr.write(`${formatFailure(terminalSafe(outcome.endpoint), terminalSafeDeep(outcome.error!))}\n`);
  }
  return outcome.exitCode;
}

async function runFleet(inv: Invocation, io: RunIO, style: Style): Promise<ExitCode> {
  const { c } = style;
  if (!inv.json)
    io.stdout.write(`${inv.command} on ${inv.targets.length} node${inv.targets.length === 1 ? '' : 's'}, ${inv.parallel} at a time\n`);
  // Results in the order the operator listed the nodes; a failing node never stops the others
  // (each job catches its own error).
  const outcomes = await mapLimit(inv.targets, inv.parallel, async (target) => {
    const node = target.node ?? target.endpoint;
    // Several streams at once: plain prefixed lines, no live status line to fight over.
    const progress =
      !inv.json && inv.command === 'reset' ? new ResetProgress(io.stdout, style, { live: false, prefix: c.dim(`[${node}]`) }) : undefined;
    const outcome = await callAgent(inv, target, progress ? (ev) => progress.onEvent(terminalSafeDeep(ev)) : undefined);
    progress?.finish();
    if (!inv.json) {
      // Everything printed for people passes terminalSafe: the agent's data is anyone's bytes.
      const shown = terminalSafeDeep(outcome);
      const head = c.bold(`== ${terminalSafe(node)} (${terminalSafe(target.endpoint)}) ==`);
      const body = shown.result ? formatResult(shown.result, style) : c.red(formatFailure(shown.endpoint, shown.error!));
      io.stdout.write(`${head}\n${body}\n`);
    }
    return outcome;
  });
  const exitCode = worstExitCode(outcomes.map((o) => o.exitCode));
  if (inv.json) {
    io.stdout.write(`${JSON.stringify({ command: inv.command, exitCode, nodes: outcomes.map(jsonOf) }, null, 2)}\n`);
  } else {
    io.stdout.write(`\n${c.bold('summary')}\n${formatSummary(terminalSafeDeep(outcomes), style)}\n`);
  }
  for (const o of outcomes)
    if (o.error && inv.json) io.stderr.write(`${formatFailure(terminalSafe(o.endpoint), terminalSafeDeep(o.error))}\n`);
  return exitCode;
}
