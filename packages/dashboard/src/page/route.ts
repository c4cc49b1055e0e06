/** The page's place, kept in the URL's fragment: `#/ensemble`, `#/charts`, `#/tree?path=/a/b`. */
import { useEffect, useState } from 'preact/hooks'

export type Tab = 'ensemble' | 'charts' | 'tree'

export interface Route {
  tab: Tab
  path: string
}

export function parseRoute(hash: string): Route {
  const match = /^#\/(ensemble|charts|tree)(?:\?path=(.*))?$/.exec(hash)
  if (!match) return { tab: 'ensemble', path: '/' }
  const path = match[2] === undefined ? '/' : decodeURIComponent(match[2])
  return { tab: match[1] as Tab, path: path.startsWith('/') ? path : '/' }
}

export function routeHash(route: Route): string {
  return route.tab === 'tree' ? `#/tree?path=${encodeURIComponent(route.path)}` : `#/${route.tab}`
}

export function useRoute(): [Route, (route: Route) => void] {
  const [route, setRoute] = useState(() => parseRoute(location.hash))
  useEffect(() => {
    const onHash = () => setRoute(parseRoute(location.hash))
    addEventListener('hashchange', onHash)
    return () => removeEventListener('hashchange', onHash)
  }, [])
  return [route, (next) => (location.hash = routeHash(next))]
}
