import { useEffect, useState } from 'preact/hooks'
import type { ChildrenPage, ChildView, InfoView } from '../shared/api.js'
import { childPath } from '../shared/format.js'
import { getJson } from './api.js'
import { NodePanel } from './node.js'

const PAGE_SIZE = 100

interface Listing {
  children: ChildView[]
  total: number
  filter: string
  loading: boolean
  error: string | undefined
}

/** The path and every ancestor: what is expanded when a path is selected. */
function lineage(path: string): string[] {
  const out = ['/']
  let at = ''
  for (const part of path.split('/').filter(Boolean)) out.push((at = `${at}/${part}`))
  return out
}

/** Expanded paths and their loaded pages; only expanded levels are ever fetched. */
function useTree(selected: string) {
  const [expanded, setExpanded] = useState<Set<string>>(() => new Set(lineage(selected)))
  const [listings, setListings] = useState<Record<string, Listing>>({})
  const update = (path: string, change: Partial<Listing>) =>
    setListings((all) => ({ ...all, [path]: { ...(all[path] ?? { children: [], total: 0, filter: '', loading: false, error: undefined }), ...change } }))
  const load = async (path: string, offset: number, filter: string, limit = PAGE_SIZE) => {
    update(path, { loading: true, error: undefined, filter })
    try {
      const page = await getJson<ChildrenPage>('/api/children', { path, offset, limit, ...(filter ? { filter } : {}) })
      setListings((all) => {
        const before = offset === 0 ? [] : (all[path]?.children ?? [])
        return { ...all, [path]: { children: [...before, ...page.children], total: page.total, filter, loading: false, error: undefined } }
      })
    } catch (error) {
      update(path, { loading: false, error: (error as Error).message })
    }
  }
  useEffect(() => {
    for (const path of expanded) if (!listings[path]) void load(path, 0, '')
  }, [expanded])
  useEffect(() => {
    setExpanded((current) => new Set([...current, ...lineage(selected)]))
    // Listings loaded earlier may be stale by now: selecting a path reloads its lineage.
    for (const path of lineage(selected)) if (listings[path]) refresh(path)
  }, [selected])
  const toggle = (path: string) =>
    setExpanded((current) => {
      const next = new Set(current)
      if (next.has(path)) next.delete(path)
      else next.add(path)
      return next
    })
  /** Reloads the first page (or as many as were shown, up to the API's limit). */
  const refresh = (path: string) => {
    const shown = listings[path]
    void load(path, 0, shown?.filter ?? '', Math.min(500, Math.max(PAGE_SIZE, shown?.children.length ?? 0)))
  }
  return { expanded, listings, toggle, load, refresh }
}

type Tree = ReturnType<typeof useTree>

export function TreeView({ path, info, onSelect }: { path: string; info: InfoView | undefined; onSelect: (path: string) => void }) {
  const tree = useTree(path)
  const [goto, setGoto] = useState(path)
  useEffect(() => setGoto(path), [path])
  return (
    <section class="tree-layout">
      <div class="panel tree-panel">
        <form class="goto" onSubmit={(e) => (e.preventDefault(), goto.startsWith('/') && onSelect(goto))}>
          <input value={goto} onInput={(e) => setGoto((e.target as HTMLInputElement).value)} aria-label="path" data-testid="goto-input" />
          <button type="submit">Go</button>
          <button type="button" title="reload the expanded levels" onClick={() => tree.expanded.forEach((p) => tree.refresh(p))} data-testid="tree-refresh">
            ↻
          </button>
        </form>
        <ul class="tree" data-testid="tree">
          <TreeItem path="/" name="/" child={undefined} selected={path} tree={tree} onSelect={onSelect} />
        </ul>
      </div>
      <NodePanel path={path} info={info} onSelect={onSelect} onChildrenChanged={() => tree.refresh(path)} />
    </section>
  )
}

function TreeItem(props: { path: string; name: string; child: ChildView | undefined; selected: string; tree: Tree; onSelect: (path: string) => void }) {
  const { path, name, child, selected, tree, onSelect } = props
  const open = tree.expanded.has(path)
  const listing = tree.listings[path]
  const hasChildren = child === undefined || (child.numChildren ?? 0) > 0
  return (
    <li>
      <div class={path === selected ? 'tree-row selected' : 'tree-row'} data-testid="tree-row" data-path={path}>
        <button class="toggle" disabled={!hasChildren} onClick={() => tree.toggle(path)} aria-label={open ? 'collapse' : 'expand'}>
          {hasChildren ? (open ? '▾' : '▸') : '·'}
        </button>
        <a href={`#/tree?path=${encodeURIComponent(path)}`} onClick={(e) => (e.preventDefault(), onSelect(path))}>
          {name}
        </a>
        {child?.ephemeral && <span class="tag" title="ephemeral">eph</span>}
        {child && (child.numChildren ?? 0) > 0 && <span class="count">{child.numChildren!.toLocaleString('en-US')}</span>}
      </div>
      {open && listing && <Children path={path} listing={listing} selected={selected} tree={tree} onSelect={onSelect} />}
    </li>
  )
}

function Children({ path, listing, selected, tree, onSelect }: { path: string; listing: Listing; selected: string; tree: Tree; onSelect: (path: string) => void }) {
  const [filter, setFilter] = useState(listing.filter)
  const big = listing.total > PAGE_SIZE || listing.filter !== ''
  return (
    <ul>
      {big && (
        <li class="tree-filter">
          <form onSubmit={(e) => (e.preventDefault(), void tree.load(path, 0, filter))}>
            <input placeholder={`filter ${listing.total.toLocaleString('en-US')} children`} value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} data-testid="children-filter" />
          </form>
        </li>
      )}
      {listing.children.map((c) => (
        <TreeItem path={childPath(path, c.name)} name={c.name} child={c} selected={selected} tree={tree} onSelect={onSelect} />
      ))}
      {listing.error && <li class="error small">{listing.error}</li>}
      {listing.children.length < listing.total && (
        <li>
          <button class="more" disabled={listing.loading} onClick={() => void tree.load(path, listing.children.length, listing.filter)} data-testid="more-children">
            {listing.loading ? 'loading…' : `show more (${listing.children.length.toLocaleString('en-US')} of ${listing.total.toLocaleString('en-US')})`}
          </button>
        </li>
      )}
    </ul>
  )
}
