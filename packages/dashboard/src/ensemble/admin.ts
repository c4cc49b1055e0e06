/**
 * One AdminServer command (`GET <base>/commands/<name>`, JSON), bounded in time and size. The
 * fallback for members whose four-letter words are disabled.
 */
import { get } from 'node:http'
import type { AdminAnswer } from './parse.js'

export interface AdminOptions {
  timeoutMs: number
  maxBytes?: number
}

const DEFAULT_MAX_BYTES = 1 << 20

/** @param baseUrl e.g. `http://127.0.0.1:8080` */
export function adminCommand(baseUrl: string, command: string, options: AdminOptions): Promise<AdminAnswer> {
  if (!/^[a-z_]+$/.test(command)) throw new RangeError(`not an AdminServer command: ${JSON.stringify(command)}`)
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  return new Promise((resolve) => {
    let settled = false
    let connected = false
    const finish = (answer: AdminAnswer) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      request.destroy()
      resolve(answer)
    }
    // A fresh connection each time (no keep-alive agent): whether it connected is what tells down from silent.
    const request = get(`${baseUrl}/commands/${command}`, { agent: false, headers: { accept: 'application/json' } }, (response) => {
      const chunks: Buffer[] = []
      let bytes = 0
      response.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (bytes > maxBytes) return finish({ kind: 'error', message: `answer larger than ${maxBytes} bytes` })
        chunks.push(chunk)
      })
      response.once('end', () => finish(toAnswer(response.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))))
      response.once('error', () => finish({ kind: 'silent' }))
    })
    request.once('socket', (socket) => socket.once('connect', () => (connected = true)))
    const timer = setTimeout(() => {
      finish(connected ? { kind: 'silent' } : { kind: 'refused', reason: `no connection within ${options.timeoutMs} ms` })
    }, options.timeoutMs)
    request.once('error', (error: NodeJS.ErrnoException) => {
      finish(connected ? { kind: 'silent' } : { kind: 'refused', reason: error.code === 'ECONNREFUSED' ? 'connection refused' : (error.code ?? error.message) })
    })
  })
}

function toAnswer(status: number, raw: string): AdminAnswer {
  if (status !== 200) return { kind: 'error', message: `HTTP ${status}` }
  let body: unknown
  try {
    body = JSON.parse(raw)
  } catch {
    return { kind: 'error', message: 'not JSON' }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return { kind: 'error', message: 'not a JSON object' }
  const error = (body as { error?: unknown }).error
  if (typeof error === 'string') return { kind: 'error', message: error }
  return { kind: 'json', body: body as Record<string, unknown>, raw }
}
