import { useEffect, useState } from 'preact/hooks'
import type { InfoView, LiveView, NodeView, StatView } from '../shared/api.js'
import { fromBase64, hexDump, looksLikeText, parentPath, prettyJson } from '../shared/format.js'
import { ApiFailure, getJson, subscribe } from './api.js'
import { EditPanel, type Notice } from './edit.js'
import { RecipePanel } from './recipe.js'

type DataMode = 'text' | 'json' | 'hex'

interface Shown {
  stat: StatView
  data: string
  truncated: boolean
}

const decoder = new TextDecoder()

export function NodePanel(props: { path: string; info: InfoView | undefined; onSelect: (path: string) => void; onChildrenChanged: () => void }) {
  const { path, info } = props
  const [node, setNode] = useState<NodeView>()
  const [shown, setShown] = useState<Shown>()
  const [error, setError] = useState<string>()
  const [liveOn, setLiveOn] = useState(true)
  const [live, setLive] = useState<LiveView>()
  const [notice, setNotice] = useState<Notice>()
  const [reloads, setReloads] = useState(0)
  useEffect(() => {
    setNode(undefined)
    setShown(undefined)
    setError(undefined)
    setLive(undefined)
    setNotice(undefined)
  }, [path])
  useEffect(() => {
    let current = true
    getJson<NodeView>('/api/node', { path }).then(
      (n) => current && (setNode(n), setShown({ stat: n.stat, data: n.data, truncated: n.dataTruncated }), setError(undefined)),
      (e: ApiFailure) => current && setError(e.message),
    )
    return () => void (current = false)
  }, [path, reloads])
  useEffect(() => {
    if (!liveOn) return
    return subscribe(`/api/live?path=${encodeURIComponent(path)}`, {
      node: (view: LiveView) => {
        setLive(view)
        if (view.exists && view.stat) setShown({ stat: view.stat, data: view.data ?? '', truncated: view.dataTruncated })
      },
      failure: (data: { message: string }) => setNotice({ kind: 'error', text: data.message }),
    })
  }, [path, liveOn])
  const childVersion = live?.stat?.cversion
  useEffect(() => {
    // The live view saw children come or go: the tree's listing of this path follows.
    if (childVersion !== undefined && live?.cause !== 'initial') props.onChildrenChanged()
  }, [childVersion])
  const deleted = live !== undefined && !live.exists
  return (
    <div class="panel node-panel" data-testid="node-panel">
      <div class="node-head">
        <h2 class="mono" data-testid="node-path">{path}</h2>
        <label class="switch" title="follow this path through a watch">
          <input type="checkbox" checked={liveOn} onChange={(e) => setLiveOn((e.target as HTMLInputElement).checked)} data-testid="live-toggle" /> live
        </label>
        {liveOn && live && <span class="muted small" data-testid="live-status">{deleted ? 'deleted' : `updated ${new Date().toLocaleTimeString()} (${live.cause})`}</span>}
      </div>
      {error && !shown && <div class="error">{error}</div>}
      {deleted && <div class="warning" data-testid="deleted">This node does not exist (any more). The live view shows it when it comes back.</div>}
      {notice && (
        <div class={notice.kind === 'error' ? 'error' : 'ok-note'} role="alert" data-testid="notice">
          {notice.text}
        </div>
      )}
      {shown && node && (
        <>
          <DataView data={shown.data} truncated={shown.truncated} />
          <div class="columns">
            <StatTable stat={shown.stat} ownedByDashboard={node.ownedByDashboard} />
            <div>
              <h3>ACL</h3>
              <table class="grid compact" data-testid="acl">
                <thead>
                  <tr>
                    <th>Scheme</th>
                    <th>Id</th>
                    <th>Perms</th>
                  </tr>
                </thead>
                <tbody>
                  {node.acl.map((a) => (
                    <tr>
                      <td>{a.scheme}</td>
                      <td class="mono">{a.id}</td>
                      <td class="mono">{a.perms}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              {live && live.exists && <LiveChildren live={live} path={path} onSelect={props.onSelect} />}
            </div>
          </div>
          <RecipePanel path={path} changeKey={`${shown.stat.version}:${shown.stat.cversion}`} />
          {info?.writable && (
            <EditPanel
              path={path}
              stat={shown.stat}
              text={decoder.decode(fromBase64(shown.data))}
              tokenHeader={info.tokenHeader}
              onNotice={setNotice}
              onDone={(what) => {
                setReloads((n) => n + 1)
                props.onChildrenChanged()
                if (what === 'deleted') props.onSelect(parentPath(path))
              }}
            />
          )}
        </>
      )}
    </div>
  )
}

function DataView({ data, truncated }: { data: string; truncated: boolean }) {
  const bytes = fromBase64(data)
  const text = decoder.decode(bytes)
  const json = prettyJson(text)
  const preferred: DataMode = json !== undefined ? 'json' : looksLikeText(text) ? 'text' : 'hex'
  const [mode, setMode] = useState<DataMode | undefined>(undefined)
  const shownMode = mode ?? preferred
  const body = shownMode === 'hex' ? hexDump(bytes) : shownMode === 'json' ? (json ?? 'not JSON') : text
  return (
    <div class="data">
      <div class="data-head">
        <h3>Data</h3>
        <span class="muted small">{bytes.length.toLocaleString('en-US')} bytes{truncated ? ' (cut)' : ''}</span>
        <div class="segmented">
          {(['text', 'json', 'hex'] as const).map((m) => (
            <button class={m === shownMode ? 'on' : ''} onClick={() => setMode(m)} disabled={m === 'json' && json === undefined} data-testid={`data-mode-${m}`}>
              {m === 'json' ? 'JSON' : m === 'hex' ? 'Hex' : 'Text'}
            </button>
          ))}
        </div>
      </div>
      <pre class="data-body" data-testid="data-view">
        {bytes.length === 0 ? <span class="muted">(empty)</span> : body}
      </pre>
    </div>
  )
}

function StatTable({ stat, ownedByDashboard }: { stat: StatView; ownedByDashboard: boolean }) {
  const time = (ms: number) => (ms === 0 ? '–' : new Date(ms).toISOString().replace('T', ' ').replace('Z', ' UTC'))
  const rows: [string, string][] = [
    ['czxid', stat.czxid],
    ['mzxid', stat.mzxid],
    ['pzxid', stat.pzxid],
    ['ctime', time(stat.ctime)],
    ['mtime', time(stat.mtime)],
    ['version', String(stat.version)],
    ['cversion', String(stat.cversion)],
    ['aversion', String(stat.aversion)],
    ['ephemeralOwner', stat.ephemeralOwner === null ? 'none (persistent)' : `session ${stat.ephemeralOwner}${ownedByDashboard ? " (the dashboard's)" : ''}`],
    ['dataLength', stat.dataLength.toLocaleString('en-US')],
    ['numChildren', stat.numChildren.toLocaleString('en-US')],
  ]
  return (
    <div>
      <h3>Stat</h3>
      <table class="grid compact" data-testid="stat">
        <tbody>
          {rows.map(([k, v]) => (
            <tr>
              <th>{k}</th>
              <td class="mono" data-stat={k}>
                {v}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function LiveChildren({ live, path, onSelect }: { live: LiveView; path: string; onSelect: (path: string) => void }) {
  if (live.numChildren === 0) return null
  return (
    <div>
      <h3>
        Children <span class="muted small">{live.numChildren.toLocaleString('en-US')} (live)</span>
      </h3>
      <ul class="live-children" data-testid="live-children">
        {live.children.map((c) => (
          <li>
            <a href="#" class="mono" onClick={(e) => (e.preventDefault(), onSelect(path === '/' ? `/${c}` : `${path}/${c}`))}>
              {c}
            </a>
          </li>
        ))}
        {live.numChildren > live.children.length && <li class="muted small">… {(live.numChildren - live.children.length).toLocaleString('en-US')} more (see the tree)</li>}
      </ul>
    </div>
  )
}
