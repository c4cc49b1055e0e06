// Certificate rotation: polls the store files and, when one changes, loads the material again and
// hands it over (a tls.Server then calls setSecureContext, which affects new handshakes only, so
// established sessions stay). A half-written file fails to load: the old context stays and the
// load is retried a few times, since the writer may finish before the next change is seen.
import { unwatchFile, watchFile } from 'node:fs'
import type { Stats } from 'node:fs'
import { loadTlsMaterial } from './material.js'
import type { TlsMaterial } from './material.js'
import type { TlsSettings } from './settings.js'

export interface TlsReloaderOptions {
  /** How often the files are stat'ed. */
  pollIntervalMs?: number
  /** Attempts after a failed load before waiting for the next change. */
  maxRetries?: number
  apply: (material: TlsMaterial) => void
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void
}

export class TlsReloader {
  private readonly pollIntervalMs: number
  private readonly maxRetries: number
  private readonly files: string[]
  private retryTimer: NodeJS.Timeout | undefined
  private readonly listener = (curr: Stats, prev: Stats) => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.size !== prev.size || curr.ino !== prev.ino) this.reload(0)
  }
  private running = false

  constructor(
    private readonly settings: TlsSettings,
    material: TlsMaterial,
    private readonly options: TlsReloaderOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000
    this.maxRetries = options.maxRetries ?? 5
    this.files = [...material.files]
  }

  start(): void {
    if (this.running) return
    this.running = true
    for (const file of this.files) watchFile(file, { interval: this.pollIntervalMs, persistent: false }, this.listener)
  }

  stop(): void {
    this.running = false
    clearTimeout(this.retryTimer)
    for (const file of this.files) unwatchFile(file, this.listener)
  }

  /** Loads now; true when the new material was applied. */
  reload(attempt: number): boolean {
    if (!this.running) return false
    clearTimeout(this.retryTimer)
    let material: TlsMaterial
    try {
      material = loadTlsMaterial(this.settings)
    } catch (e) {
      const retry = attempt < this.maxRetries
      this.options.log('warn', 'TLS material not reloaded; the previous certificates stay in use', { prefix: this.settings.prefix, error: (e as Error).message, retry })
      if (retry) {
        this.retryTimer = setTimeout(() => this.reload(attempt + 1), this.pollIntervalMs)
        this.retryTimer.unref()
      }
      return false
    }
    this.options.apply(material)
    const cert = material.certificate
    this.options.log('info', 'TLS material reloaded', { prefix: this.settings.prefix, subject: cert?.subject.replace(/\n/g, ', '), validTo: cert?.validTo })
    return true
  }
}
