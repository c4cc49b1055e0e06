/** Responses, request bodies, and what each kind of failure becomes on the wire. */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { ErrorCode, InvalidPathError, KeeperError } from '@zoo/client'
import * as z from 'zod'
import type { ApiError } from '../shared/api.js'
import { SessionUnavailableError } from '../session.js'
import { EditError } from '../tree/edits.js'
import { TooManyLiveViewsError } from '../tree/live.js'
import { firstIssue } from './schemas.js'

export class HttpError extends Error {
  override readonly name = 'HttpError'
  constructor(
    readonly status: number,
    readonly body: ApiError,
  ) {
    super(body.message)
  }
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' }

export function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  response.writeHead(status, { ...JSON_HEADERS, 'content-length': Buffer.byteLength(text) })
  response.end(text)
}

/** Reads a JSON body of at most `maxBytes`; refuses other content types (415) and bad JSON (400). */
export async function readJsonBody(request: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = request.headers['content-type'] ?? ''
  if (!/^application\/json\b/i.test(type)) throw new HttpError(415, { error: 'invalid', field: '(body)', message: 'the body must be JSON (Content-Type: application/json)' })
  const chunks: Buffer[] = []
  let bytes = 0
  for await (const chunk of request as AsyncIterable<Buffer>) {
    bytes += chunk.length
    if (bytes > maxBytes) throw new HttpError(413, { error: 'invalid', field: '(body)', message: `the body is larger than ${maxBytes} bytes` })
    chunks.push(chunk)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new HttpError(400, { error: 'invalid', field: '(body)', message: 'the body is not valid JSON' })
  }
}

/** Parses with a schema; a failure is a 400 naming the field. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value)
  if (result.success) return result.data
  const { field, message } = firstIssue(result.error)
  throw new HttpError(400, { error: 'invalid', field, message })
}

const UNAVAILABLE_CODES: ReadonlySet<number> = new Set([ErrorCode.CONNECTIONLOSS, ErrorCode.OPERATIONTIMEOUT, ErrorCode.SESSIONEXPIRED, ErrorCode.SESSIONMOVED, ErrorCode.REQUESTTIMEOUT, ErrorCode.THROTTLEDOP])

/** The status and body a failure becomes; `unexpected` marks the ones worth logging. */
export function toHttpError(error: unknown): { status: number; body: ApiError; unexpected: boolean } {
  if (error instanceof HttpError) return { status: error.status, body: error.body, unexpected: false }
  if (error instanceof EditError) {
    const status = error.kind === 'conflict' ? 409 : error.kind === 'forbidden' ? 403 : 400
    return { status, body: { error: error.kind, message: error.message, code: error.code }, unexpected: false }
  }
  if (error instanceof SessionUnavailableError || error instanceof TooManyLiveViewsError) return { status: 503, body: { error: 'unavailable', message: error.message }, unexpected: false }
  if (error instanceof InvalidPathError) return { status: 400, body: { error: 'invalid', field: 'path', message: error.message }, unexpected: false }
  if (error instanceof KeeperError) {
    const body = (kind: ApiError['error']): ApiError => ({ error: kind, message: error.message, code: error.codeName })
    if (error.code === ErrorCode.NONODE) return { status: 404, body: body('not found'), unexpected: false }
    if (error.code === ErrorCode.NOAUTH) return { status: 403, body: body('forbidden'), unexpected: false }
    if (UNAVAILABLE_CODES.has(error.code)) return { status: 503, body: body('unavailable'), unexpected: false }
    return { status: 502, body: body('failed'), unexpected: true }
  }
  return { status: 500, body: { error: 'failed', message: error instanceof Error ? error.message : String(error) }, unexpected: true }
}
