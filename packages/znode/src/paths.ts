// Znode paths: Apache's PathUtils.validatePath rules and the few special paths the tree always has.
// Apache checks paths at different strengths per operation (create and setData validate fully,
// delete only looks for a slash and NUL, reads validate nothing); callers pick the check they need.
import { ErrorCode, KeeperError } from '@zoo/protocol'

export const ROOT_PATH = '/'
export const ZOOKEEPER_PATH = '/zookeeper'
export const QUOTA_PATH = '/zookeeper/quota'
export const CONFIG_PATH = '/zookeeper/config'
/** Apache excludes everything below this prefix from the tree digest (quota stats change locally). */
export const ZOOKEEPER_SUBTREE_PREFIX = '/zookeeper/'

/** The paths Apache refuses to delete (DataTree.isSpecialPath). */
export function isSpecialPath(path: string): boolean {
  return path === ROOT_PATH || path === ZOOKEEPER_PATH || path === QUOTA_PATH || path === CONFIG_PATH
}

function isInvalidChar(c: number): boolean {
  return (c > 0x00 && c <= 0x1f) || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || (c >= 0xfff0 && c <= 0xffff)
}

/** Why a path breaks a "." or ".." rule at `i`, where `path[i]` is '.'. */
function isRelativeSegment(path: string, i: number): boolean {
  const segmentEnds = i + 1 === path.length || path.charCodeAt(i + 1) === 0x2f
  if (!segmentEnds) return false
  const prev = path.charCodeAt(i - 1)
  if (prev === 0x2f) return true // "/."
  return prev === 0x2e && path.charCodeAt(i - 2) === 0x2f // "/.."
}

/**
 * Why `path` is not a valid znode path, or undefined when it is. The rules (and their order) are
 * PathUtils.validatePath's; it looks at UTF-16 units, as Java does, so surrogates are refused.
 */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return 'Path length must be > 0'
  if (path.charCodeAt(0) !== 0x2f) return 'Path must start with / character'
  if (path.length === 1) return undefined
  if (path.charCodeAt(path.length - 1) === 0x2f) return 'Path must not end with / character'
  for (let i = 1; i < path.length; i++) {
    const c = path.charCodeAt(i)
    if (c === 0) return `null character not allowed @${i}`
    if (c === 0x2f && path.charCodeAt(i - 1) === 0x2f) return `empty node name specified @${i}`
    if (c === 0x2e && isRelativeSegment(path, i)) return `relative paths not allowed @${i}`
    if (isInvalidChar(c)) return `invalid character @${i}`
  }
  return undefined
}

export function isValidPath(path: string): boolean {
  return pathProblem(path) === undefined
}

/** Throws BADARGUMENTS (with the path) unless `path` passes PathUtils.validatePath. */
export function validatePath(path: string): void {
  if (pathProblem(path) !== undefined) throw new KeeperError(ErrorCode.BADARGUMENTS, path)
}

/**
 * The parent of a path as Apache computes it (everything before the last '/'), with the root's
 * alias "" spelled "/". Callers must have checked that the path contains a '/'.
 */
export function parentOf(path: string): string {
  const lastSlash = path.lastIndexOf('/')
  if (lastSlash <= 0) return ROOT_PATH
  return path.slice(0, lastSlash)
}

/** The last segment of a path (what getChildren lists). */
export function nameOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1)
}

/** The full path of child `name` of `parent`. */
export function childPath(parent: string, name: string): string {
  return parent === ROOT_PATH ? `/${name}` : `${parent}/${name}`
}

/**
 * The suffix of a sequential node: the parent's persisted cversion as Java's `%010d` prints it
 * (zero padded to 10 characters including a minus sign; an int32, so it can be negative).
 */
export function sequenceSuffix(cversion: number): string {
  if (!Number.isInteger(cversion) || cversion < -0x80000000 || cversion > 0x7fffffff) {
    throw new RangeError(`cversion ${cversion} is not an int32`)
  }
  if (cversion < 0) return `-${String(-cversion).padStart(9, '0')}`
  return String(cversion).padStart(10, '0')
}

/** Whether `path` is `ancestor` or lies below it. */
export function isInSubtree(path: string, ancestor: string): boolean {
  if (ancestor === ROOT_PATH) return true
  return path === ancestor || (path.startsWith(ancestor) && path.charCodeAt(ancestor.length) === 0x2f)
}
