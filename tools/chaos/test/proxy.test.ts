import t from 'tap'
import { connect, createServer, Socket, type Server } from 'node:net'
import { once } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { freePort } from '@zoo/testkit'
import { LinkProxy, firstMessageTransform } from '../src/faults/proxy.js'

/** An echo server that counts the connections it got. */
async function echoServer(port = 0): Promise<{ server: Server; port: number; accepted: () => number }> {
  let accepted = 0
  const server = createServer((socket) => {
    accepted++
    socket.on('error', () => undefined)
    socket.pipe(socket)
  })
  server.listen(port, '127.0.0.1')
  await once(server, 'listening')
  return { server, port: (server.address() as { port: number }).port, accepted: () => accepted }
}

async function dial(port: number): Promise<{ socket: Socket; received: () => string }> {
  const socket = connect({ port, host: '127.0.0.1' })
  let text = ''
  socket.on('data', (chunk: Buffer) => (text += chunk.toString()))
  socket.on('error', () => undefined)
  await once(socket, 'connect')
  return { socket, received: () => text }
}

async function until(probe: () => boolean, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (probe()) return true
    await sleep(10)
  }
  return probe()
}

t.test('a link proxy passes bytes both ways, delays, black-holes and cuts them', async (t) => {
  const echo = await echoServer()
  const proxy = await LinkProxy.start(echo.port)
  t.teardown(async () => {
    await proxy.close()
    echo.server.close()
  })

  const a = await dial(proxy.port)
  a.socket.write('hello')
  t.ok(await until(() => a.received() === 'hello'), 'passes through')

  proxy.setFault('up', { delayMs: 150 })
  const sent = performance.now()
  a.socket.write('!')
  t.ok(await until(() => a.received() === 'hello!'))
  t.ok(performance.now() - sent >= 140, 'a delayed direction holds bytes for delayMs')
  proxy.heal()

  proxy.setFault('down', { drop: true })
  a.socket.write('lost?')
  await sleep(200)
  t.equal(a.received(), 'hello!', 'nothing comes back while the reply direction drops')
  t.ok(proxy.faulty)
  proxy.heal()
  t.ok(await until(() => a.received() === 'hello!lost?'), 'what waited is delivered in order after healing, as TCP would')

  proxy.setFault('up', { drop: true })
  const before = echo.accepted()
  const b = await dial(proxy.port)
  b.socket.write('held')
  await sleep(200)
  t.equal(echo.accepted(), before, 'a connection made while the link drops is not connected onward')
  proxy.heal()
  t.ok(await until(() => b.received() === 'held'), 'it is once the link heals')

  const closed = new Promise((resolve) => a.socket.once('close', resolve))
  proxy.reset(true)
  await closed
  t.pass('cut resets the connections on the link')
  const c = connect({ port: proxy.port, host: '127.0.0.1' })
  c.on('error', () => undefined)
  await new Promise((resolve) => c.once('close', resolve))
  t.pass('and new ones while it lasts')
  proxy.heal()
  const d = await dial(proxy.port)
  d.socket.write('again')
  t.ok(await until(() => d.received() === 'again'), 'healed')
  for (const s of [b.socket, d.socket]) s.destroy()
  t.ok(proxy.stats.resets >= 2)
})

t.test('both legs of a proxied connection have TCP_NODELAY (no Nagle/delayed-ACK stalls on small frames)', async (t) => {
  const echo = await echoServer()
  t.teardown(() => echo.server.close())
  const proxy = await LinkProxy.start(echo.port)
  t.teardown(() => proxy.close())
  const original = Socket.prototype.setNoDelay
  const noDelay: Socket[] = []
  Socket.prototype.setNoDelay = function (this: Socket, enable?: boolean) {
    if (enable !== false) noDelay.push(this)
    return original.call(this, enable)
  }
  t.teardown(() => {
    Socket.prototype.setNoDelay = original
  })
  const { socket, received } = await dial(proxy.port)
  t.teardown(() => socket.destroy())
  socket.write('ping')
  t.ok(await until(() => received() === 'ping'), 'bytes pass')
  const proxySockets = noDelay.filter((s) => s !== socket)
  t.ok(proxySockets.some((s) => s.localPort === proxy.port), 'the accepted (dialer-side) socket')
  t.ok(proxySockets.some((s) => s.remotePort === echo.port), 'the onward (member-side) socket')
})

t.test('a refused onward connect is retried, not turned into a reset at once', async (t) => {
  const port = await freePort()
  const proxy = await LinkProxy.start(port)
  const a = await dial(proxy.port)
  a.socket.write('early')
  await sleep(300)
  const echo = await echoServer(port)
  t.teardown(async () => {
    a.socket.destroy()
    await proxy.close()
    echo.server.close()
  })
  t.ok(await until(() => a.received() === 'early'), 'the target started listening within the retry window')
})

t.test('the first message can be rewritten, the rest passes untouched', async (t) => {
  const transform = firstMessageTransform((received) => (received.length < 4 ? undefined : { output: Buffer.from('HELLO'), consumed: 4 }))
  t.same(transform(Buffer.from('he')), Buffer.alloc(0), 'waits for the whole hello')
  t.equal(transform(Buffer.from('llo world')).toString(), 'HELLOo world')
  t.equal(transform(Buffer.from('!')).toString(), '!', 'then passes through')

  const echo = await echoServer()
  const proxy = await LinkProxy.start(echo.port)
  proxy.rewriteFirstMessage = () => (received) => (received.length < 3 ? undefined : { output: Buffer.from('abc'.toUpperCase()), consumed: 3 })
  t.teardown(async () => {
    await proxy.close()
    echo.server.close()
  })
  const a = await dial(proxy.port)
  a.socket.write('abcdef')
  t.ok(await until(() => a.received() === 'ABCdef'))
  a.socket.destroy()
})

t.test('an interceptor sees both directions and can add bytes to either', async (t) => {
  const echo = await echoServer()
  const proxy = await LinkProxy.start(echo.port)
  proxy.intercept = (inject) => ({
    up: (chunk) => {
      if (chunk.toString() === 'ping') inject.down(Buffer.from('[injected]'))
      return chunk
    },
    down: (chunk) => Buffer.from(chunk.toString().toUpperCase()),
  })
  t.teardown(async () => {
    await proxy.close()
    echo.server.close()
  })
  const a = await dial(proxy.port)
  a.socket.write('ping')
  t.ok(await until(() => a.received() === '[injected]PING'), a.received())
  a.socket.destroy()
})
