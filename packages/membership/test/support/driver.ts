/**
 * A peer-library driver (Java, Python) run as a process that reads one command per line and
 * answers with one JSON line each. Killed at the end of the test.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Test } from 'tap'

export class Driver {
  private readonly answers: string[] = []
  private waiter: ((line: string) => void) | undefined
  private stderr = ''

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const waiter = this.waiter
      this.waiter = undefined
      if (waiter) waiter(line)
      else this.answers.push(line)
    })
    child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4_000)))
  }

  /** Starts the driver and waits for its `{"ready":true}`. */
  static async start(t: Test, command: string, args: string[], timeoutMs = 30_000): Promise<Driver> {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    t.teardown(() => void child.kill('SIGKILL'))
    const driver = new Driver(child)
    const ready = await driver.next(timeoutMs)
    if (!(ready as { ready?: boolean }).ready) throw new Error(`driver not ready: ${JSON.stringify(ready)}`)
    return driver
  }

  /** Sends a command; resolves with its answer. */
  async send<T = Record<string, unknown>>(command: string, timeoutMs = 20_000): Promise<T> {
    this.child.stdin!.write(`${command}\n`)
    const answer = (await this.next(timeoutMs)) as T & { error?: string }
    if (answer.error) throw new Error(`driver: ${answer.error}`)
    return answer
  }

  private next(timeoutMs: number): Promise<unknown> {
    const queued = this.answers.shift()
    if (queued !== undefined) return Promise.resolve(JSON.parse(queued))
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = undefined
        reject(new Error(`driver: no answer within ${timeoutMs} ms; stderr:\n${this.stderr}`))
      }, timeoutMs)
      const onExit = (code: number | null) => {
        clearTimeout(timer)
        reject(new Error(`driver exited (${code}); stderr:\n${this.stderr}`))
      }
      this.child.once('exit', onExit)
      this.waiter = (line) => {
        clearTimeout(timer)
        this.child.off('exit', onExit)
        resolve(JSON.parse(line))
      }
    })
  }
}
