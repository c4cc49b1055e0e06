import { useEffect, useState } from 'preact/hooks'
import type { ContenderView, RecipeKind, RecipeView } from '../shared/api.js'
import { getJson } from './api.js'

const KINDS: { value: RecipeKind | 'auto'; label: string }[] = [
  { value: 'auto', label: 'auto' },
  { value: 'lock', label: 'lock' },
  { value: 'rwlock', label: 'read/write lock' },
  { value: 'latch', label: 'leader latch' },
  { value: 'config', label: 'config' },
]

/** @param changeKey changes when the node or its children change (re-read then) */
export function RecipePanel({ path, changeKey }: { path: string; changeKey: string }) {
  const [kind, setKind] = useState<RecipeKind | 'auto'>('auto')
  const [view, setView] = useState<RecipeView>()
  const [error, setError] = useState<string>()
  useEffect(() => {
    let current = true
    getJson<RecipeView>('/api/recipe', { path, kind }).then(
      (v) => current && (setView(v), setError(undefined)),
      (e: Error) => current && setError(e.message),
    )
    return () => void (current = false)
  }, [path, kind, changeKey])
  return (
    <div class="recipe" data-testid="recipe">
      <div class="data-head">
        <h3>Recipe</h3>
        <select value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as RecipeKind | 'auto')} data-testid="recipe-kind">
          {KINDS.map((k) => (
            <option value={k.value}>{k.label}</option>
          ))}
        </select>
      </div>
      {error && <div class="error small">{error}</div>}
      {view && <RecipeBody view={view} />}
    </div>
  )
}

function RecipeBody({ view }: { view: RecipeView }) {
  if (view.kind === null) return <p class="muted small">No lock, latch or config layout here.</p>
  if (view.kind === 'config' && view.config) {
    const c = view.config
    return (
      <div>
        <p class="small">
          Config ({c.layout === 'subtree' ? 'one child per key' : 'one node'}): <strong data-testid="config-version">version {c.version}</strong> <span class="muted mono">czxid {c.czxid}, mzxid {c.mzxid}</span>
          {c.layout === 'node' && !c.jsonValid && <span class="muted"> — not JSON</span>}
        </p>
        {c.layout === 'node' ? (
          <pre class="data-body">{c.jsonValid ? JSON.stringify(c.json, null, 2) : c.value}</pre>
        ) : (
          <table class="grid compact">
            <tbody>
              {c.entries.map((e) => (
                <tr>
                  <th class="mono">{e.key}</th>
                  <td class="mono">{e.value}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </div>
    )
  }
  const latch = view.kind === 'latch'
  return (
    <div>
      <p class="small">
        {latch ? 'Leader latch' : view.kind === 'rwlock' ? 'Read/write lock' : 'Lock'} in <strong>{view.naming}</strong> naming, {view.total} contender{view.total === 1 ? '' : 's'}.
        {view.note && <span class="muted"> {view.note}</span>}
      </p>
      <div class="columns">
        <Contenders title={latch ? 'Leader' : 'Holders'} items={view.holders} testid="holders" />
        <Contenders title={latch ? 'Standing by (in order)' : 'Waiting (in order)'} items={view.waiters} testid="waiters" />
      </div>
    </div>
  )
}

function Contenders({ title, items, testid }: { title: string; items: ContenderView[]; testid: string }) {
  return (
    <div>
      <h4>{title}</h4>
      {items.length === 0 ? (
        <p class="muted small">none</p>
      ) : (
        <ol class="contenders" data-testid={testid}>
          {items.map((c) => (
            <li>
              <strong>{c.id || '(no id)'}</strong> <span class="tag">{c.kind}</span> <span class="muted small mono">#{c.sequence} · session {c.sessionId ?? '–'} · czxid {c.czxid ?? '–'}</span>
            </li>
          ))}
        </ol>
      )}
    </div>
  )
}
