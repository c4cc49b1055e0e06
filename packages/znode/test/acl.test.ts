import t from 'tap'
import { ErrorCode, Perms, isKeeperError } from '@zoo/protocol'
import type { ACL, Id } from '@zoo/protocol'
import {
  CREATOR_ALL_ACL, OPEN_ACL_UNSAFE, SUPER_ID, aclKey, authenticate, digestId, fixupACL, hasPermission, ipMatches,
  isValidX509Id, redactDigests, requirePermission,
} from '../src/acl.js'

const digest = (user: string, perms: number = Perms.ALL): ACL => ({ perms, id: { scheme: 'digest', id: digestId(user) } })
const ip = (expr: string, perms: number = Perms.ALL): ACL => ({ perms, id: { scheme: 'ip', id: expr } })
const u1: Id = { scheme: 'digest', id: digestId('u1:p1') }
const local: Id = { scheme: 'ip', id: '127.0.0.1' }

t.test('digest ids match Apache DigestAuthenticationProvider.generateDigest', async (t) => {
  // Values printed by Apache 3.8.0's own generateDigest.
  t.equal(digestId('u1:p1'), 'u1:fpT/y03U+EjItKZOSLGvjnJlyng=')
  t.equal(digestId('super:superpw'), 'super:g9oN2HttPfn8MMWJZ2r45Np/LIA=')
  t.equal(digestId('nocolon'), 'nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g=')
  t.equal(digestId('ü:pw:x'), 'ü:kbpvDmSJrCwRv1pLNkB8YRr4Wqg=')
})

t.test('ip ACLs: IPv4 with CIDR, as IPAuthenticationProvider.matches', async (t) => {
  // Expectations printed by Apache 3.8.0's IPAuthenticationProvider.
  const cases: [string, string, boolean][] = [
    ['127.0.0.1', '127.0.0.1', true], ['127.0.0.1', '127.0.0.0/8', true], ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false], ['192.168.1.129', '192.168.1.128/25', true], ['192.168.1.127', '192.168.1.128/25', false],
    ['1.2.3.4', '0.0.0.0/0', true], ['1.2.3.4', '1.2.3.5/31', true], ['1.2.3.4', '1.2.3.4/33', false], ['1.2.3.4', '1.2.3', false],
    ['1.2.3.4', '+1.2.3.4', true], ['::1', '::1', false],
  ]
  for (const [addr, expr, expected] of cases) t.equal(ipMatches(addr, expr), expected, `${addr} in ${expr}`)
})

t.test('permission checks', async (t) => {
  t.ok(hasPermission(OPEN_ACL_UNSAFE, Perms.WRITE, []), 'world:anyone')
  t.notOk(hasPermission([digest('u1:p1')], Perms.READ, [local]), 'digest needs the digest id')
  t.ok(hasPermission([digest('u1:p1')], Perms.READ, [local, u1]))
  t.notOk(hasPermission([digest('u1:p1', Perms.READ)], Perms.WRITE, [u1]), 'perm bits are per entry')
  t.ok(hasPermission([digest('u1:p1', Perms.READ), ip('127.0.0.0/8', Perms.WRITE)], Perms.WRITE, [u1, local]))
  t.ok(hasPermission([ip('127.0.0.0/8')], Perms.READ | Perms.ADMIN, [local]), 'any bit of a combined perm is enough')
  t.ok(hasPermission([digest('u1:p1')], Perms.ADMIN, [{ ...SUPER_ID }]), 'super bypasses everything')
  t.ok(hasPermission([], Perms.ADMIN, []), 'an empty ACL allows everything, as Apache')
  t.notOk(hasPermission([{ perms: Perms.ALL, id: { scheme: 'world', id: 'someone' } }], Perms.READ, []))
  try {
    requirePermission([digest('u1:p1')], Perms.READ, [], '/x')
    t.fail('should throw')
  } catch (e) {
    t.ok(isKeeperError(e, ErrorCode.NOAUTH))
  }
})

t.test('fixupACL: duplicates, auth expansion, validity', async (t) => {
  t.same(fixupACL('/p', [], [...OPEN_ACL_UNSAFE, ...OPEN_ACL_UNSAFE]), OPEN_ACL_UNSAFE, 'duplicates dropped')
  t.same(fixupACL('/p', [local, u1], CREATOR_ALL_ACL), [{ perms: Perms.ALL, id: u1 }], 'auth expands to authenticated ids, not ip')
  const bad: ACL[][] = [
    [], CREATOR_ALL_ACL as ACL[], [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'nocolon' } }],
    [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'a:b:c' } }], [{ perms: Perms.ALL, id: { scheme: 'foo', id: 'x' } }],
    [{ perms: Perms.ALL, id: { scheme: 'world', id: 'someone' } }], [ip('1.2.3')], [ip('1.2.3.4/40')], [{ perms: Perms.ALL, id: { ...SUPER_ID } }],
  ]
  for (const acl of bad) {
    try {
      fixupACL('/p', [local], acl)
      t.fail(`should refuse ${JSON.stringify(acl)}`)
    } catch (e) {
      t.ok(isKeeperError(e, ErrorCode.INVALIDACL), JSON.stringify(acl))
    }
  }
  // Java's split drops trailing empty strings: "a:b:" and ":b" are two parts, so valid.
  t.doesNotThrow(() => fixupACL('/p', [], [{ perms: 1, id: { scheme: 'digest', id: 'a:b:' } }]))
  t.doesNotThrow(() => fixupACL('/p', [], [{ perms: 1, id: { scheme: 'digest', id: ':b' } }]))
})

t.test('getACL hides digest hashes from non-admins', async (t) => {
  t.same(redactDigests([digest('u1:p1'), ...OPEN_ACL_UNSAFE]), [{ perms: Perms.ALL, id: { scheme: 'digest', id: 'u1:x' } }, ...OPEN_ACL_UNSAFE])
})

t.test('addAuth: digest always succeeds, super by password, unknown schemes fail', async (t) => {
  t.same(authenticate('digest', Buffer.from('u1:p1')), [u1])
  t.same(authenticate('digest', Buffer.from('u1:wrong')), [{ scheme: 'digest', id: digestId('u1:wrong') }], 'a wrong password still answers OK')
  t.same(authenticate('digest', Buffer.from('super:pw'), { superDigest: digestId('super:pw') }), [{ ...SUPER_ID }, { scheme: 'digest', id: digestId('super:pw') }])
  t.equal(authenticate('kerberos', Buffer.from('x')), undefined)
  t.same(authenticate('ip', Buffer.from('1.2.3.4'), { remoteAddress: '127.0.0.1' }), [local], 'ip: the connection address, not what the client says')
  t.equal(authenticate('ip', null), undefined, 'ip without a known address')
})

t.test('x509: ids are distinguished names, matched exactly; auth expands to them; addAuth needs the connection\'s certificate', async (t) => {
  const client: Id = { scheme: 'x509', id: 'CN=client,O=zoo' }
  const acl: ACL[] = [{ perms: Perms.READ, id: { scheme: 'x509', id: 'CN=client,O=zoo' } }]
  t.ok(hasPermission(acl, Perms.READ, [local, client]))
  t.notOk(hasPermission(acl, Perms.READ, [local, { scheme: 'x509', id: 'CN=client,O=Zoo' }]), 'case matters: exact string equality as Apache')
  t.notOk(hasPermission(acl, Perms.WRITE, [local, client]))
  t.same(fixupACL('/p', [local, client], CREATOR_ALL_ACL, { x509: true }), [{ perms: Perms.ALL, id: client }], 'auth expands to the x509 id')
  t.throws(() => fixupACL('/p', [], acl), { code: ErrorCode.INVALIDACL }, 'without TLS the scheme does not exist (Apache registers it with TLS only)')
  for (const id of ['CN=a,O=b', '', 'CN=a\\,b+OU=c', '1.2.840.113549.1.9.1=#160161', 'CN="x, y";O=z', 'cn = spaced value ']) t.ok(isValidX509Id(id), id)
  for (const id of ['plain words', 'CN=a,', '=x', 'CN=a\\']) t.notOk(isValidX509Id(id), id)
  t.doesNotThrow(() => fixupACL('/p', [], acl, { x509: true }))
  t.throws(() => fixupACL('/p', [], [{ perms: 1, id: { scheme: 'x509', id: 'not a name' } }], { x509: true }))
  t.equal(authenticate('x509', null, { remoteAddress: '127.0.0.1' }), undefined, 'no certificate: AUTHFAILED')
  t.same(authenticate('x509', null, { certificateIds: [client] }), [client])
})

t.test('aclKey is the same for equal lists only', async (t) => {
  t.equal(aclKey([digest('u1:p1')]), aclKey([digest('u1:p1')]))
  t.not(aclKey([digest('u1:p1')]), aclKey([digest('u1:p1', Perms.READ)]))
  t.not(aclKey([ip('1.1.1.1'), ...OPEN_ACL_UNSAFE]), aclKey([...OPEN_ACL_UNSAFE, ip('1.1.1.1')]))
})
