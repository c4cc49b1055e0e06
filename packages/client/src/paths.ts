/**
 * ZooKeeper path rules and the chroot mapping. A client with chroot `/app` shows the user `/x`
 * for the server's `/app/x`; every path goes through `toServer` on the way out and `fromServer`
 * on the way back (replies, watch events), so a user never sees the chroot.
 */

// UTF-16 code units Apache's PathUtils refuses: controls, surrogates (so no emoji), private use,
// specials. Checked per code unit, as Java does, so both servers agree on what is a path.
const FORBIDDEN_CHARS = /[\u0000-\u001f\u007f-\u009f\ud800-\uf8ff\ufff0-\uffff]/

export class InvalidPathError extends TypeError {
  override readonly name = 'InvalidPathError'
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`invalid path ${JSON.stringify(path)}: ${reason}`)
  }
}

/**
 * Throws `InvalidPathError` unless `path` is an absolute ZooKeeper path. A sequential create may
 * end in `/` (the server appends the counter), as in Apache's client.
 */
export function validatePath(path: string, options: { sequential?: boolean } = {}): void {
  if (typeof path !== 'string') throw new InvalidPathError(String(path), 'must be a string')
  const checked = options.sequential ? `${path}1` : path
  if (checked.length === 0) throw new InvalidPathError(path, 'must not be empty')
  if (checked[0] !== '/') throw new InvalidPathError(path, "must start with '/'")
  if (checked.length === 1) return
  if (checked.endsWith('/')) throw new InvalidPathError(path, "must not end with '/'")
  if (FORBIDDEN_CHARS.test(checked)) throw new InvalidPathError(path, 'contains a forbidden character')
  // One scan, no allocation: this runs on every call.
  for (let i = 1, start = 1; i <= checked.length; i++) {
    if (i < checked.length && checked.charCodeAt(i) !== SLASH) continue
    const length = i - start
    if (length === 0) throw new InvalidPathError(path, 'has an empty segment')
    if (checked.charCodeAt(start) === DOT && (length === 1 || (length === 2 && checked.charCodeAt(start + 1) === DOT))) {
      throw new InvalidPathError(path, "has a relative segment ('.' or '..')")
    }
    start = i + 1
  }
}

const SLASH = 0x2f
const DOT = 0x2e

/** Maps user paths to server paths and back for one chroot ('' when there is none). */
export class Chroot {
  readonly prefix: string

  constructor(chroot: string | undefined) {
    const prefix = chroot === undefined || chroot === '/' ? '' : chroot
    if (prefix !== '') validatePath(prefix)
    this.prefix = prefix
  }

  toServer(path: string): string {
    if (this.prefix === '') return path
    return path === '/' ? this.prefix : this.prefix + path
  }

  /**
   * A server path outside the chroot cannot come from our own requests; it is returned unchanged
   * rather than mangled (e.g. getEphemerals may list paths the server reports in full).
   */
  fromServer(serverPath: string): string {
    if (this.prefix === '') return serverPath
    if (serverPath === this.prefix) return '/'
    if (serverPath.startsWith(this.prefix) && serverPath[this.prefix.length] === '/') return serverPath.slice(this.prefix.length)
    return serverPath
  }
}

/** `/a/b/c` -> `/a/b`; `/a` -> `/`; `/` -> undefined. */
export function parentPath(path: string): string | undefined {
  if (path === '/') return undefined
  const slash = path.lastIndexOf('/')
  return slash === 0 ? '/' : path.slice(0, slash)
}

/** `/a/b/c` -> ['/a', '/a/b', '/a/b/c']; `/` -> []. */
export function pathPrefixes(path: string): string[] {
  const prefixes: string[] = []
  for (let slash = path.indexOf('/', 1); slash !== -1; slash = path.indexOf('/', slash + 1)) prefixes.push(path.slice(0, slash))
  if (path !== '/') prefixes.push(path)
  return prefixes
}

export function joinPath(parent: string, child: string): string {
  return parent === '/' ? `/${child}` : `${parent}/${child}`
}
