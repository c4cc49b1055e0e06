import type { IncomingMessage } from 'node:http'
import t from 'tap'
import { hostChecker, newToken, tokenMatches } from '../src/http/guard.js'

t.test('hostChecker: loopback names and the bound host, with the port; anything on a wildcard bind', async (t) => {
  const loopback = hostChecker('127.0.0.1', 8080)
  t.ok(loopback('127.0.0.1:8080'))
  t.ok(loopback('LOCALHOST:8080'))
  t.ok(loopback('[::1]:8080'))
  t.notOk(loopback('127.0.0.1:8081'), 'another port')
  t.notOk(loopback('attacker.example:8080'), 'a rebound name')
  t.notOk(loopback(undefined))
  const named = hostChecker('10.1.2.3', 9000)
  t.ok(named('10.1.2.3:9000'))
  t.ok(hostChecker('::1', 80)('[::1]:80'))
  t.ok(hostChecker('0.0.0.0', 1)('anything:5'))
})

t.test('tokens: fresh, compared whole, header only', async (t) => {
  const token = newToken()
  t.match(token, /^[A-Za-z0-9_-]{32}$/)
  t.not(newToken(), token)
  const withHeader = (value: string | undefined) => ({ headers: value === undefined ? {} : { 'x-zoo-token': value } }) as unknown as IncomingMessage
  t.ok(tokenMatches(withHeader(token), token))
  t.notOk(tokenMatches(withHeader(token.slice(1)), token))
  t.notOk(tokenMatches(withHeader(`${token}x`), token))
  t.notOk(tokenMatches(withHeader(undefined), token))
})
