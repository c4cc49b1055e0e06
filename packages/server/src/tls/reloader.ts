// Certificate rotation: polls the store files and, when one changes, loads the material again and
// hands it over (a tls.Server then calls setSecureContext, which affects new handshakes only, so
// established sessions stay). A half-written file fails to load: the old context stays and the
// load is retried on the next few polls, since the writer may finish without another change.
import { statSync } from 'node:fs'
import { loadTlsMaterial } from './material.js'
import type { TlsMaterial } from './material.js'
import type { TlsSettings } from './settings.js'

export interface TlsReloaderOptions {
  /** How often the files are stat'ed. */
  pollIntervalMs?: number
  /** Polls that retry a failed load before waiting for the next change. */
  maxRetries?: number
  apply: (material: TlsMaterial) => void
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void
}

/** What tells a changed file apart: replaced (inode), rewritten (mtime, size). */
function signature(file: string): string {
  try {
    const s = statSync(file, { bigint: true })
    return `${s.ino}:${s.mtimeNs}:${s.size}`
  } catch (e) {
    return `missing:${(e as NodeJS.ErrnoException).code ?? ''}`
  }
}

export class TlsReloader {
  private readonly pollIntervalMs: number
  private readonly maxRetries: number
  /** Signatures as of the material in use (taken when this reloader was made, right after the load). */
  private readonly known: Map<string, string>
  private retriesLeft = 0
  private timer: NodeJS.Timeout | undefined

  constructor(
    private readonly settings: TlsSettings,
    material: TlsMaterial,
    private readonly options: TlsReloaderOptions,
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 1000
    this.maxRetries = options.maxRetries ?? 5
    this.known = new Map(material.files.map((f) => [f, signature(f)]))
  }

  start(): void {
    if (this.timer !== undefined) return
    this.timer = setInterval(() => this.poll(), this.pollIntervalMs)
    this.timer.unref()
  }

  stop(): void {
    clearInterval(this.timer)
    this.timer = undefined
  }

  /** One poll: reload when a file changed, or when a failed load still has retries. */
  poll(): void {
    let changed = false
    for (const [file, before] of this.known) {
      const now = signature(file)
      if (now !== before) {
        this.known.set(file, now)
        changed = true
      }
    }
    if (changed) this.retriesLeft = this.maxRetries + 1
    if (this.retriesLeft === 0) return
    this.retriesLeft--
    this.reload()
  }

  private reload(): void {
    let material: TlsMaterial
    try {
      material = loadTlsMaterial(this.settings)
    } catch (e) {
      this.options.log('warn', 'TLS material not reloaded; the previous certificates stay in use', { prefix: this.settings.prefix, error: (e as Error).message, retriesLeft: this.retriesLeft })
      return
    }
    this.retriesLeft = 0
    this.options.apply(material)
    const cert = material.certificate
    this.options.log('info', 'TLS material reloaded', { prefix: this.settings.prefix, subject: cert?.subject.replace(/\n/g, ', '), validTo: cert?.validTo })
  }
}
