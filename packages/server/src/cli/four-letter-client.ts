import { connect } from 'node:net'

/** Sends a four-letter word to 127.0.0.1:port and resolves with the whole answer. */
export async function fourLetterWord(port: number, word: string, timeoutMs = 5000, host = '127.0.0.1'): Promise<string> {
  return await new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connect({ port, host }, () => socket.end(word))
    socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`${word} to ${host}:${port} timed out`)))
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')))
  })
}
