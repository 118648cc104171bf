// The reset bench's crictl anchor: without a cri-tools source that has the tag (and no cached
// binary), crictl.sh builds nothing and says why, and the bench skips that ratio with the reason.
import t from 'tap';
import { findCrictl } from '../../../scripts/bench/crictl-anchor';

t.test('a tag with no source and no cached binary is reported missing, with why', (t) => {
  const before = process.env.CRI_TOOLS_SRC;
  process.env.CRI_TOOLS_SRC = '/nonexistent/cri-tools';
  t.teardown(() => {
    if (before === undefined) delete process.env.CRI_TOOLS_SRC;
    else process.env.CRI_TOOLS_SRC = before;
  });
  const r = findCrictl(['v0.0.0-none']);
  t.same(r.found, []);
  t.match(
    r.missing,
    /^v0\.0\.0-none unavailable \(crictl v0\.0\.0-none: no cri-tools source with that tag at \/nonexistent\/cri-tools \(set CRI_TOOLS_SRC\)\)$/,
  );
  t.end();
});
