import t from 'tap';
import { identifyCaller, identityOf, requireRole, roleFor, subjectAttributes } from '../../../../agent/daemon/server/auth';
import { isKubesweepError } from '../../../../agent/shared/errors';

const roles = { admin: ['CN=kubesweep-admin'], reader: ['CN=kubesweep-reader', 'O=kubesweep-readers'] };
const tlsCall = (subject: Record<string, string | string[]> | undefined, type = 'ssl') => ({
  getPeer: () => '127.0.0.1:5555',
  getAuthContext: () => (subject ? { transportSecurityType: type, sslPeerCertificate: { subject } as any } : {}),
});

t.test('subject attributes and role mapping', async (t) => {
  t.same(subjectAttributes({ CN: 'a', O: ['x', 'y'], OU: 'z', L: 'ignored' }), ['CN=a', 'O=x', 'O=y', 'OU=z']);
  t.same(subjectAttributes(undefined), []);
  t.equal(roleFor(['CN=kubesweep-admin'], roles), 'admin');
  t.equal(roleFor(['CN=someone', 'O=kubesweep-readers'], roles), 'reader');
  t.equal(roleFor(['CN=kubesweep-reader', 'CN=kubesweep-admin'], roles), 'admin', 'the stronger role wins');
  t.equal(roleFor(['CN=kubesweep-nobody'], roles), undefined);
  t.equal(roleFor(['CN=kubesweep-admin '], roles), undefined, 'exact match only');
});

t.test('identifyCaller: unix peers are admin, TLS peers by certificate', async (t) => {
  t.same(identifyCaller(tlsCall(undefined), 'unix', roles), {
    transport: 'unix',
    identity: 'unix-socket',
    peer: '127.0.0.1:5555',
    role: 'admin',
  });
  t.same(identifyCaller(tlsCall({ CN: 'kubesweep-reader' }), 'tls', roles), {
    transport: 'tls',
    identity: 'CN=kubesweep-reader',
    peer: '127.0.0.1:5555',
    role: 'reader',
  });
  t.same(identifyCaller(tlsCall({ CN: 'x', O: 'kubesweep-readers' }), 'tls', roles).role, 'reader');
  t.equal(identifyCaller(tlsCall({ CN: 'kubesweep-nobody' }), 'tls', roles).role, undefined);
  t.throws(
    () => identifyCaller(tlsCall(undefined), 'tls', roles),
    { code: 'KS_UNAUTHENTICATED' },
    'TLS server call without a verified cert',
  );
  t.throws(() => identifyCaller(tlsCall({ CN: 'kubesweep-admin' }, 'insecure'), 'tls', roles), { code: 'KS_UNAUTHENTICATED' });
});

t.test('requireRole', async (t) => {
  const admin = { transport: 'tls' as const, identity: 'CN=a', peer: 'p', role: 'admin' as const };
  const reader = { ...admin, role: 'reader' as const };
  const nobody = { ...admin, role: undefined };
  t.doesNotThrow(() => requireRole(admin, 'admin', 'Reset'));
  t.doesNotThrow(() => requireRole(admin, 'reader', 'Info'));
  t.doesNotThrow(() => requireRole(reader, 'reader', 'Info'));
  for (const [c, need] of [
    [reader, 'admin'],
    [nobody, 'reader'],
    [nobody, 'admin'],
  ] as const) {
    try {
      requireRole(c, need, 'Reset');
      t.fail('should refuse');
    } catch (err) {
      t.ok(isKubesweepError(err, 'KS_PERMISSION_DENIED'), `${c.role ?? 'no role'} refused ${need}`);
    }
  }
});

t.test('the logged identity is the list of RDNs, each value escaped (issue #22)', async (t) => {
  // A CN that carries ",CN=admin" must not read like a two-CN subject, nor match the admin role.
  const evil = identifyCaller(tlsCall({ CN: 'evil,CN=kubesweep-admin' }), 'tls', roles);
  t.equal(evil.identity, 'CN=evil\\,CN=kubesweep-admin', 'the comma is escaped');
  t.equal(evil.role, undefined, 'no role');
  t.equal(identifyCaller(tlsCall({ CN: ['a', 'b'], O: 'x+y' }), 'tls', roles).identity, 'CN=a,CN=b,O=x\\+y', 'two real CNs stay two RDNs');
  t.equal(
    identityOf({ CN: ' #lead\\ "q" <a>;\u202e\x1b ' }),
    'CN=\\ #lead\\\\ \\"q\\" \\<a\\>\\;\\u202e\\x1b\\ ',
    'RFC 4514 escapes, then control and bidi characters shown escaped',
  );
});
