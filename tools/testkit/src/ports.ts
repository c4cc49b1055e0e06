import { createServer } from 'node:net'
import type { ConnectionOptions } from 'node:tls'

/** A TCP port on 127.0.0.1 that was free a moment ago (the OS picks it). */
export async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      if (address === null || typeof address === 'string') return reject(new Error('no port assigned'))
      server.close(() => resolve(address.port))
    })
  })
}

/** Sends a four-letter word to host:port (over TLS when `tls` is given) and returns the whole answer. */
export async function fourLetterWord(port: number, word: string, host = '127.0.0.1', timeoutMs = 5_000, tls?: ConnectionOptions): Promise<string> {
  const { connect } = await import('node:net')
  const { connect: connectTls } = await import('node:tls')
  return await new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = tls === undefined ? connect({ port, host }, () => socket.end(word)) : connectTls({ ...tls, port, host }, () => socket.end(word))
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${word} to ${host}:${port} timed out`)))
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}

/** Polls `probe` until it resolves truthy, or throws after `timeoutMs`. */
export async function waitFor<T>(probe: () => Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  while (Date.now() < deadline) {
    try {
      const value = await probe()
      if (value) return value
    } catch (error) {
      lastError = error
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`)
}
