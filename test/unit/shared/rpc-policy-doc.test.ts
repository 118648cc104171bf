// docs/rpc-policy.md's table is the one rendered from the policy table (agent/shared/rpc-policy.ts).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { packageRoot } from '../../../agent/shared/paths';
import { RPC_NAMES } from '../../../agent/shared/rpc-policy';
import { docWithPolicyTable, findPolicyTable, renderPolicyTable, RPC_POLICY_DOC } from '../../../scripts/gen-rpc-policy';

t.test('docs/rpc-policy.md shows the policy table as it is', async (t) => {
  const doc = readFileSync(path.join(packageRoot(), RPC_POLICY_DOC), 'utf8');
  const found = findPolicyTable(doc);
  t.ok(found, 'the doc has the table');
  t.equal(found?.text, renderPolicyTable(), `${RPC_POLICY_DOC} differs from agent/shared/rpc-policy.ts: run \`npm run gen:rpc-policy\``);
  t.equal(docWithPolicyTable(doc), doc, 'regenerating changes nothing');
  for (const rpc of RPC_NAMES) t.match(found?.text, `| \`${rpc}\` |`, `${rpc} has a row in the doc`);
});
