import t from 'tap'
import { connect } from 'node:net'
import { startRedis } from '../src/index.js'

t.test('a real redis-server starts on a free port', async (t) => {
  const redis = await startRedis()
  t.teardown(() => redis.stop())
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect({ port: redis.port, host: '127.0.0.1' }, () => socket.write('SET k v\r\nGET k\r\n'))
    let text = ''
    socket.on('data', (chunk) => {
      text += chunk.toString()
      if (text.includes('$1\r\nv\r\n')) { socket.destroy(); resolve(text) }
    })
    socket.on('error', reject)
  })
  t.match(reply, /^\+OK\r\n\$1\r\nv\r\n$/)
})
