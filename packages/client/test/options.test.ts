import t from 'tap'
import { InvalidOptionsError, connectTimeoutFor, parseClientOptions, parseConnectionString } from '../src/options.js'

t.test('connection strings: hosts, default port, IPv6, chroot', async (t) => {
  t.same(parseConnectionString('127.0.0.1:2181,127.0.0.1:2182/app'), { hosts: [{ host: '127.0.0.1', port: 2181 }, { host: '127.0.0.1', port: 2182 }], chroot: '/app' })
  t.same(parseConnectionString('localhost'), { hosts: [{ host: 'localhost', port: 2181 }], chroot: undefined })
  t.same(parseConnectionString(' a:1 , b:2 /x/y'.replace(' /', '/')), { hosts: [{ host: 'a', port: 1 }, { host: 'b', port: 2 }], chroot: '/x/y' })
  t.same(parseConnectionString('[::1]:2181,[fe80::1]'), { hosts: [{ host: '::1', port: 2181 }, { host: 'fe80::1', port: 2181 }], chroot: undefined })
  t.same(parseConnectionString('h:9/'), { hosts: [{ host: 'h', port: 9 }], chroot: undefined }, 'a bare / chroot is no chroot')
})

t.test('bad connection strings name the problem', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /needs host:port entries/],
    ['a:1,,b:2', /needs host:port entries/],
    ['/app', /needs host:port entries/],
    ['a:0', /port "0" is not a number from 1 to 65535/],
    ['a:99999', /port "99999"/],
    ['a:http', /port "http"/],
    ['::1:2181', /IPv6 addresses in brackets/],
    ['a b:1', /is not a host name or address/],
    ['a:1/app/', /chroot: invalid path "\/app\/": must not end with '\/'/],
    ['a:1/app//x', /empty segment/],
  ]
  for (const [text, message] of cases) {
    t.throws(() => parseConnectionString(text), { name: 'InvalidOptionsError', message }, JSON.stringify(text))
  }
  t.throws(() => parseConnectionString(42 as never), InvalidOptionsError)
})

t.test('options: defaults', async (t) => {
  const options = parseClientOptions(undefined)
  t.equal(options.sessionTimeoutMs, 30_000)
  t.equal(options.retry, false, 'retry is opt-in')
  t.equal(options.renewSessionOnExpiry, true)
  t.equal(options.readOnly, false)
  t.same(options.auth, [])
  t.ok(options.maxInFlightRequests > 0 && options.maxQueuedRequests > 0 && options.maxFrameBytes > 0, 'every queue is bounded')
  const retry = parseClientOptions({ retry: {} }).retry
  t.same(retry, { maxAttempts: 3, initialDelayMs: 50, maxDelayMs: 2_000 })
})

t.test('options: clear messages for mistakes', async (t) => {
  t.throws(() => parseClientOptions({ sessionTimeout: 10 } as never), { message: /Unrecognized key: "sessionTimeout"/ }, 'typos are caught')
  t.throws(() => parseClientOptions({ sessionTimeoutMs: 1.5 }), { message: /sessionTimeoutMs must be a whole number of milliseconds[\s\S]*at sessionTimeoutMs/ })
  t.throws(() => parseClientOptions({ sessionTimeoutMs: 0 }), { message: /sessionTimeoutMs must be at least 1 ms/ })
  t.throws(() => parseClientOptions({ sessionTimeoutMs: '10s' as never }), { message: /sessionTimeoutMs must be a number of milliseconds/ })
  t.throws(() => parseClientOptions({ connectTimeoutMs: 2 ** 31 }), { message: /connectTimeoutMs must be at most 2147483647 ms/ })
  t.throws(() => parseClientOptions({ retry: { maxAttempts: 0 } }), { message: /retry\.maxAttempts/ })
  t.throws(() => parseClientOptions({ session: { id: 1 as never, password: Buffer.alloc(16) } }), { message: /session\.id must be a bigint/ })
  t.throws(() => parseClientOptions({ session: { id: 1n, password: Buffer.alloc(8) } }), { message: /session\.password must be 16 bytes/ })
  t.throws(() => parseClientOptions({ auth: [{ scheme: '', credentials: 'u:p' }] }), { message: /auth\[0\]\.scheme|auth\.0\.scheme/ })
})

t.test('options: tls is checked at the edge', async (t) => {
  t.equal(parseClientOptions(undefined).tls, undefined, 'plain TCP unless asked')
  const tls = parseClientOptions({ tls: { ca: 'CA PEM', cert: Buffer.from('C'), key: 'K', servername: 'zoo.local' } }).tls
  t.same(tls, { ca: 'CA PEM', cert: Buffer.from('C'), key: 'K', servername: 'zoo.local', rejectUnauthorized: true }, 'server certificates are checked by default')
  t.throws(() => parseClientOptions({ tls: { cert: 'C' } }), { message: /tls\.cert and tls\.key go together/ })
  t.throws(() => parseClientOptions({ tls: { ca: 42 as never } }), { message: /tls\.ca must be PEM text/ })
  t.throws(() => parseClientOptions({ tls: { ca: [] } }), { message: /tls\.ca must not be an empty list/ })
  t.throws(() => parseClientOptions({ tls: { servername: '' } }), { message: /tls\.servername must not be empty/ })
  t.throws(() => parseClientOptions({ tls: { certFile: 'x' } as never }), { message: /Unrecognized key: "certFile"/ })
})

t.test('connect timeout: shared across hosts unless given', async (t) => {
  t.equal(connectTimeoutFor(parseClientOptions({ sessionTimeoutMs: 9_000 }), 3), 3_000)
  t.equal(connectTimeoutFor(parseClientOptions({ sessionTimeoutMs: 2_000 }), 5), 1_000, 'never below 1 s')
  t.equal(connectTimeoutFor(parseClientOptions({ connectTimeoutMs: 250 }), 5), 250)
})
