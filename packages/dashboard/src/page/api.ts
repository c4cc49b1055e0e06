/** The page's side of the API: JSON calls, the write token, and event streams. */
import type { ApiError } from '../shared/api.js'

const TOKEN_KEY = 'zoo-dashboard-token'

/**
 * The token comes in the URL's fragment (`#token=…`, never sent to any server) the console
 * printed, or is typed in; it is kept for this tab only and sent as a header, never a cookie.
 */
export function takeTokenFromUrl(): void {
  const match = /(?:^#|&)token=([^&]+)/.exec(location.hash)
  if (!match) return
  sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(match[1]!))
  history.replaceState(null, '', `${location.pathname}${location.search}#/ensemble`)
}

export function getToken(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? ''
}

export function setToken(token: string): void {
  if (token === '') sessionStorage.removeItem(TOKEN_KEY)
  else sessionStorage.setItem(TOKEN_KEY, token)
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message)
  }
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ApiFailure(response.status, { error: 'failed', message: `HTTP ${response.status}: ${text.slice(0, 200)}` })
  }
  if (!response.ok) throw new ApiFailure(response.status, body as ApiError)
  return body as T
}

export async function getJson<T>(path: string, params: Record<string, string | number> = {}): Promise<T> {
  const query = new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))
  const url = query.size > 0 ? `${path}?${query}` : path
  return parse<T>(await fetch(url, { headers: { accept: 'application/json' } }))
}

export async function postJson<T>(path: string, body: unknown, tokenHeader: string): Promise<T> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' }
  const token = getToken()
  if (token !== '') headers[tokenHeader] = token
  return parse<T>(await fetch(path, { method: 'POST', headers, body: JSON.stringify(body) }))
}

/** Opens an event stream; returns the function that closes it. */
export function subscribe(url: string, handlers: Record<string, (data: any) => void>, onState?: (open: boolean) => void): () => void {
  const source = new EventSource(url)
  for (const [event, handler] of Object.entries(handlers)) source.addEventListener(event, (e) => handler(JSON.parse((e as MessageEvent<string>).data)))
  source.onopen = () => onState?.(true)
  source.onerror = () => onState?.(false)
  return () => source.close()
}
