import { useEffect, useState } from 'preact/hooks'
import type { StatView, WriteResult } from '../shared/api.js'
import { childPath } from '../shared/format.js'
import { ApiFailure, postJson } from './api.js'

export interface Notice {
  kind: 'ok' | 'error'
  text: string
}

interface Props {
  path: string
  /** what the page shows now (the live view moves it on) */
  stat: StatView
  text: string
  tokenHeader: string
  onNotice: (notice: Notice | undefined) => void
  onDone: (what: 'saved' | 'created' | 'deleted') => void
}

type Mode = 'persistent' | 'persistent-sequential' | 'container'

/**
 * Edits carry the version the user started from, not the newest one: if the node moved on
 * meanwhile, ZooKeeper refuses the write and the user sees the conflict, never a silent overwrite.
 */
export function EditPanel(props: Props) {
  const { path, stat, tokenHeader, onNotice, onDone } = props
  const [editing, setEditing] = useState<{ baseVersion: number; text: string }>()
  const [child, setChild] = useState({ name: '', data: '', mode: 'persistent' as Mode })
  const [confirmDelete, setConfirmDelete] = useState<number>()
  const [busy, setBusy] = useState(false)
  useEffect(() => {
    setEditing(undefined)
    setConfirmDelete(undefined)
  }, [path])
  const run = async (what: 'saved' | 'created' | 'deleted', route: string, body: unknown, success: (r: WriteResult) => string) => {
    setBusy(true)
    onNotice(undefined)
    try {
      const result = await postJson<WriteResult>(route, body, tokenHeader)
      onNotice({ kind: 'ok', text: success(result) })
      onDone(what)
      return true
    } catch (error) {
      onNotice({ kind: 'error', text: error instanceof ApiFailure ? error.message : String(error) })
      return false
    } finally {
      setBusy(false)
    }
  }
  const save = async () => {
    if (!editing) return
    const ok = await run('saved', '/api/set', { path, data: editing.text, version: editing.baseVersion }, (r) => `Saved ${path}: now version ${r.stat?.version}.`)
    if (ok) setEditing(undefined)
  }
  const create = async () => {
    const ok = await run('created', '/api/create', { path: childPath(path, child.name), data: child.data, mode: child.mode }, (r) => `Created ${r.path}.`)
    if (ok) setChild({ name: '', data: '', mode: child.mode })
  }
  const remove = async (version: number) => {
    setConfirmDelete(undefined)
    await run('deleted', '/api/delete', { path, version }, () => `Deleted ${path} (version ${version}).`)
  }
  return (
    <div class="edit" data-testid="edit">
      <h3>Edit</h3>
      {editing ? (
        <div>
          <textarea rows={6} value={editing.text} onInput={(e) => setEditing({ ...editing, text: (e.target as HTMLTextAreaElement).value })} data-testid="edit-text" />
          {stat.version !== editing.baseVersion && (
            <div class="warning small" data-testid="stale-warning">
              The node changed since you started editing (you edit version {editing.baseVersion}, it is now version {stat.version}). Saving will be refused.{' '}
              <button onClick={() => setEditing({ ...editing, baseVersion: stat.version })} data-testid="rebase-button">
                Keep my text, edit version {stat.version}
              </button>
            </div>
          )}
          <div class="buttons">
            <button class="primary" disabled={busy} onClick={() => void save()} data-testid="save-button">
              Save (if still version {editing.baseVersion})
            </button>
            <button onClick={() => setEditing(undefined)}>Cancel</button>
          </div>
        </div>
      ) : (
        <div class="buttons">
          <button onClick={() => setEditing({ baseVersion: stat.version, text: props.text })} data-testid="edit-button">
            Edit data (version {stat.version})
          </button>
          {path !== '/' &&
            (confirmDelete === undefined ? (
              <button class="danger" onClick={() => setConfirmDelete(stat.version)} data-testid="delete-button">
                Delete…
              </button>
            ) : (
              <button class="danger" disabled={busy} onClick={() => void remove(confirmDelete)} data-testid="confirm-delete">
                Delete if still version {confirmDelete}
              </button>
            ))}
        </div>
      )}
      <form class="create" onSubmit={(e) => (e.preventDefault(), void create())}>
        <input placeholder="new child name" value={child.name} onInput={(e) => setChild({ ...child, name: (e.target as HTMLInputElement).value })} data-testid="child-name" />
        <input placeholder="data" value={child.data} onInput={(e) => setChild({ ...child, data: (e.target as HTMLInputElement).value })} data-testid="child-data" />
        <select value={child.mode} onChange={(e) => setChild({ ...child, mode: (e.target as HTMLSelectElement).value as Mode })}>
          <option value="persistent">persistent</option>
          <option value="persistent-sequential">persistent sequential</option>
          <option value="container">container</option>
        </select>
        <button type="submit" disabled={busy || child.name === ''} data-testid="create-button">
          Create child
        </button>
      </form>
    </div>
  )
}
