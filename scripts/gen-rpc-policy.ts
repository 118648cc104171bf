// docs/rpc-policy.md's table, rendered from the policy table (agent/shared/rpc-policy.ts).
// `npm run gen:rpc-policy` rewrites it in place; test/unit/shared/rpc-policy-doc.test.ts fails when
// the doc differs from the table.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../agent/shared/paths';
import { RPC_NAMES, RPC_POLICY, type CallRule, type RpcPolicy } from '../agent/shared/rpc-policy';

export const RPC_POLICY_DOC = path.join('docs', 'rpc-policy.md');
const HEADER = [
  '| RPC | `kubesweep` command | class of call | role | confirm_node | lock | read admission |',
  '|---|---|---|---|---|---|---|',
];

function row(rpc: string, command: string, cls: string, r: CallRule): string {
  return `| \`${rpc}\` | \`${command}\` | ${cls} | ${r.role} | ${r.confirmNode ? 'required' : '—'} | ${r.lock ? 'held' : '—'} | ${r.admission} |`;
}

export function renderPolicyTable(): string {
  const rows = RPC_NAMES.flatMap((rpc) => {
    const p: RpcPolicy = RPC_POLICY[rpc];
    const out: string[] = [];
    if (p.read) out.push(row(rpc, p.command, p.destructive ? 'dry run' : 'read', p.read));
    if (p.destructive) out.push(row(rpc, p.command, 'destructive', p.destructive));
    return out;
  });
  return [...HEADER, ...rows].join('\n');
}

/** The doc's table: its lines from the header row to the first line that is not a row. */
export function findPolicyTable(doc: string): { start: number; end: number; text: string } | undefined {
  const lines = doc.split('\n');
  const start = lines.findIndex((l) => l.startsWith('| RPC |'));
  if (start < 0) return undefined;
  let end = start;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  return { start, end, text: lines.slice(start, end).join('\n') };
}

export function docWithPolicyTable(doc: string): string {
  const found = findPolicyTable(doc);
  if (!found) throw new Error(`${RPC_POLICY_DOC} has no "| RPC |" table`);
  const lines = doc.split('\n');
  lines.splice(found.start, found.end - found.start, renderPolicyTable());
  return lines.join('\n');
}

if (require.main === module) {
  const file = path.join(packageRoot(), RPC_POLICY_DOC);
  const before = readFileSync(file, 'utf8');
  const after = docWithPolicyTable(before);
  if (after !== before) writeFileSync(file, after);
  process.stdout.write(after !== before ? `${RPC_POLICY_DOC}: table updated\n` : `${RPC_POLICY_DOC}: table already current\n`);
}
