/**
 * Writes from the console: create, set and delete, each conditional on the version the user
 * saw (set and delete) or on the node being absent (create). A concurrent change is refused
 * by ZooKeeper itself (BADVERSION, NODEEXISTS, NONODE): nothing is overwritten, and the user
 * gets a conflict message saying what changed.
 */
import { ErrorCode, KeeperError, type CallOptions, type ZooKeeperClient } from '@zoo/client'
import type { WriteResult } from '../shared/api.js'
import { statView } from './views.js'

export type EditErrorKind = 'conflict' | 'forbidden' | 'invalid'

/** A write ZooKeeper refused, with a message for the person who tried it. */
export class EditError extends Error {
  override readonly name = 'EditError'
  constructor(
    readonly kind: EditErrorKind,
    message: string,
    readonly code: string,
  ) {
    super(message)
  }
}

export interface CreateEdit {
  path: string
  data: Buffer
  mode: 'persistent' | 'persistent-sequential' | 'container'
}

export interface SetEdit {
  path: string
  data: Buffer
  /** the version the user saw */
  version: number
}

export interface DeleteEdit {
  path: string
  version: number
}

async function currentVersion(zk: ZooKeeperClient, path: string, call: CallOptions): Promise<string> {
  const stat = await zk.exists(path, call).catch(() => undefined)
  if (stat === undefined) return ''
  return stat === null ? ' It has been deleted since.' : ` It is now at version ${stat.version}.`
}

/** Turns ZooKeeper's refusal into what the user should know; other errors pass through. */
async function explain(error: unknown, zk: ZooKeeperClient, path: string, version: number | undefined, call: CallOptions): Promise<never> {
  if (!(error instanceof KeeperError)) throw error
  const name = error.codeName
  switch (error.code) {
    case ErrorCode.BADVERSION:
      throw new EditError('conflict', `Conflict: ${path} changed since you loaded it (you edited version ${version}).${await currentVersion(zk, path, call)} Nothing was written; reload and try again.`, name)
    case ErrorCode.NONODE:
      throw new EditError('conflict', version === undefined ? `${path}: its parent does not exist.` : `Conflict: ${path} was deleted since you loaded it. Nothing was written.`, name)
    case ErrorCode.NODEEXISTS:
      throw new EditError('conflict', `Conflict: ${path} already exists. Nothing was written.`, name)
    case ErrorCode.NOTEMPTY:
      throw new EditError('conflict', `${path} has children; delete them first. Nothing was deleted.`, name)
    case ErrorCode.NOAUTH:
      throw new EditError('forbidden', `${path}: its ACL does not let the dashboard's session do this.`, name)
    case ErrorCode.BADARGUMENTS:
    case ErrorCode.NOCHILDRENFOREPHEMERALS:
      throw new EditError('invalid', `${path}: ZooKeeper refused the request (${name}).`, name)
    default:
      throw error
  }
}

export async function createNode(zk: ZooKeeperClient, edit: CreateEdit, call: CallOptions): Promise<WriteResult> {
  try {
    const { path, stat } = await zk.createWithStat(edit.path, edit.data, { ...call, mode: edit.mode })
    return { path, stat: statView(stat) }
  } catch (error) {
    return explain(error, zk, edit.path, undefined, call)
  }
}

export async function setNode(zk: ZooKeeperClient, edit: SetEdit, call: CallOptions): Promise<WriteResult> {
  try {
    const stat = await zk.setData(edit.path, edit.data, { ...call, version: edit.version })
    return { path: edit.path, stat: statView(stat) }
  } catch (error) {
    return explain(error, zk, edit.path, edit.version, call)
  }
}

export async function deleteNode(zk: ZooKeeperClient, edit: DeleteEdit, call: CallOptions): Promise<WriteResult> {
  try {
    await zk.delete(edit.path, { ...call, version: edit.version })
    return { path: edit.path, stat: null }
  } catch (error) {
    return explain(error, zk, edit.path, edit.version, call)
  }
}
