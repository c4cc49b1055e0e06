import { useEffect, useState } from 'preact/hooks'
import type { EnsembleSnapshot, HistoryView, InfoView, Sample } from '../shared/api.js'
import { getJson, getToken, setToken, subscribe } from './api.js'
import { Charts } from './charts.js'
import { EnsembleView } from './ensemble.js'
import { useRoute, type Tab } from './route.js'
import { TreeView } from './tree.js'

const TABS: { tab: Tab; label: string }[] = [
  { tab: 'ensemble', label: 'Ensemble' },
  { tab: 'charts', label: 'Charts' },
  { tab: 'tree', label: 'Tree' },
]

/** Chart history kept in the page, per member (the server keeps the same bound). */
const MAX_SAMPLES = 3_600

function appendSamples(history: HistoryView | undefined, samples: Record<string, Sample>): HistoryView | undefined {
  if (!history || Object.keys(samples).length === 0) return history
  const members = { ...history.members }
  for (const [key, sample] of Object.entries(samples)) members[key] = [...(members[key] ?? []), sample].slice(-MAX_SAMPLES)
  return { ...history, members }
}

export function App() {
  const [route, go] = useRoute()
  const [info, setInfo] = useState<InfoView>()
  const [snapshot, setSnapshot] = useState<EnsembleSnapshot>()
  const [history, setHistory] = useState<HistoryView>()
  const [live, setLive] = useState(false)
  useEffect(() => {
    void getJson<HistoryView>('/api/history').then(setHistory)
    return subscribe(
      '/api/events',
      {
        hello: (data: InfoView) => setInfo(data),
        ensemble: (data: { snapshot: EnsembleSnapshot; samples: Record<string, Sample> }) => {
          setSnapshot(data.snapshot)
          setHistory((h) => appendSamples(h, data.samples))
        },
      },
      setLive,
    )
  }, [])
  return (
    <div class="shell">
      <header class="top">
        <div class="brand">
          <span class="logo">◆</span> zoo <span class="muted">dashboard</span>
        </div>
        <nav class="tabs">
          {TABS.map(({ tab, label }) => (
            <a class={route.tab === tab ? 'tab active' : 'tab'} href={`#/${tab}`} data-testid={`tab-${tab}`} onClick={(e) => (e.preventDefault(), go({ tab, path: route.path }))}>
              {label}
            </a>
          ))}
        </nav>
        <div class="status">
          <span class={live ? 'dot ok' : 'dot bad'} title={live ? 'live updates on' : 'reconnecting'} />
          <span class="muted">{info?.connect ?? '…'}</span>
          {info?.writable ? <TokenBox /> : <span class="badge muted-badge">read-only</span>}
        </div>
      </header>
      <main class="content">
        {route.tab === 'ensemble' && <EnsembleView snapshot={snapshot} />}
        {route.tab === 'charts' && <Charts history={history} snapshot={snapshot} />}
        {route.tab === 'tree' && <TreeView path={route.path} info={info} onSelect={(path) => go({ tab: 'tree', path })} />}
      </main>
    </div>
  )
}

function TokenBox() {
  const [token, setLocal] = useState(getToken())
  return (
    <form class="token" title="the token zoo-dashboard printed at start; sent as a header with each write" onSubmit={(e) => e.preventDefault()}>
      <span class="badge write-badge">writes on</span>
      <input
        type="password"
        placeholder="write token"
        value={token}
        data-testid="token-input"
        onInput={(e) => {
          const value = (e.target as HTMLInputElement).value.trim()
          setLocal(value)
          setToken(value)
        }}
        autocomplete="off"
      />
    </form>
  )
}
