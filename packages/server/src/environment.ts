// `envi`: Apache's keys (tools look them up by name), with the Node.js runtime's values.
import { arch, homedir, hostname, release, tmpdir, type, userInfo } from 'node:os'
import { dirname } from 'node:path'
import { getHeapStatistics } from 'node:v8'
import { ZOOKEEPER_VERSION } from './version.js'

const mb = (bytes: number) => `${Math.round(bytes / (1 << 20))}MB`

export function environmentEntries(): [string, string][] {
  const heap = getHeapStatistics()
  let user = 'unknown'
  try {
    user = userInfo().username
  } catch {
    // No passwd entry for this uid (containers): Apache prints what Java reports, we say unknown.
  }
  return [
    ['zookeeper.version', ZOOKEEPER_VERSION],
    ['host.name', hostname()],
    ['java.version', process.versions.node],
    ['java.vendor', 'Node.js'],
    ['java.home', dirname(dirname(process.execPath))],
    ['java.class.path', process.argv[1] ?? ''],
    ['java.library.path', process.env.LD_LIBRARY_PATH ?? ''],
    ['java.io.tmpdir', tmpdir()],
    ['java.compiler', '<NA>'],
    ['os.name', type()],
    ['os.arch', arch() === 'x64' ? 'amd64' : arch()],
    ['os.version', release()],
    ['user.name', user],
    ['user.home', homedir()],
    ['user.dir', process.cwd()],
    ['os.memory.free', mb(heap.total_heap_size - heap.used_heap_size)],
    ['os.memory.max', mb(heap.heap_size_limit)],
    ['os.memory.total', mb(heap.total_heap_size)],
  ]
}
