/**
 * Sends one four-letter word and reads the answer, telling apart a member that refuses the
 * connection (down) from one that takes it and says nothing (up, role unknown). Every attempt
 * ends by its deadline, however the member behaves.
 */
import { connect } from 'node:net'
import { connect as connectTls } from 'node:tls'
import type { ConnectionOptions } from 'node:tls'
import { classifyWordAnswer, type WordAnswer } from './parse.js'
import type { Endpoint } from './membership.js'

export interface WordOptions {
  timeoutMs: number
  /** answers are cut here (a `mntr` is ~20 KiB) */
  maxBytes?: number
  /** ask over TLS (a secureClientPort) */
  tls?: ConnectionOptions
}

const DEFAULT_MAX_BYTES = 1 << 20

export function fourLetterWord(endpoint: Endpoint, word: string, options: WordOptions): Promise<WordAnswer> {
  if (!/^[a-z]{4}$/.test(word)) throw new RangeError(`not a four-letter word: ${JSON.stringify(word)}`)
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    let bytes = 0
    let connected = false
    let settled = false
    const tls = options.tls
    const socket = tls === undefined ? connect({ host: endpoint.host, port: endpoint.port }) : connectTls({ ...tls, host: endpoint.host, port: endpoint.port })
    const finish = (answer: WordAnswer) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      socket.destroy()
      resolve(answer)
    }
    const received = () => classifyWordAnswer(Buffer.concat(chunks).toString('utf8'))
    const timer = setTimeout(() => {
      finish(connected ? received() : { kind: 'refused', reason: `no connection within ${options.timeoutMs} ms` })
    }, options.timeoutMs)
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
      connected = true
      socket.end(word)
    })
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk)
      bytes += chunk.length
      if (bytes >= maxBytes) finish(received())
    })
    socket.once('error', (error: NodeJS.ErrnoException) => {
      finish(connected ? received() : { kind: 'refused', reason: error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message) })
    })
    socket.once('close', () => finish(received()))
  })
}
