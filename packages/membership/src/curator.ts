/**
 * Curator Service Discovery's `ServiceInstance` as JSON, field for field as Curator 5.4's
 * JsonInstanceSerializer (Jackson, default property names) writes and reads it:
 *
 *   {"name":"api","id":"...","address":"10.0.0.7","port":8080,"sslPort":null,
 *    "payload":{"@class":"java.util.LinkedHashMap","version":"1.2"},
 *    "registrationTimeUTC":1700000000000,"serviceType":"DYNAMIC",
 *    "uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://host","variable":false}]},
 *    "enabled":true}
 *
 * The payload is typed by Jackson's `@JsonTypeInfo(use = CLASS)`: an object carries its Java class
 * in an `@class` property, a list is written as `[className, [...]]`, and JSON's own scalars
 * (string, boolean, int, double) go bare. Curator reads with FAIL_ON_UNKNOWN_PROPERTIES off, and
 * its default serializer ("compatible" mode) leaves `enabled` out; both forms are read here.
 */
import * as z from 'zod'

export type CuratorServiceType = 'DYNAMIC' | 'STATIC' | 'PERMANENT' | 'DYNAMIC_SEQUENTIAL'

/** The ServiceInstance fields around the payload, as a reader sees them. */
export interface CuratorInstance {
  name: string
  id: string
  address: string | null
  port: number | null
  sslPort: number | null
  registrationTimeUTC: number
  serviceType: CuratorServiceType
  /** the URI template, e.g. `{scheme}://{address}:{port}` (Curator stores it as parts) */
  uriSpec: string | null
  enabled: boolean
  /** the Java class Jackson recorded for the payload, if any */
  payloadClass: string | null
}

const port = z.number().int().min(0).max(65_535)

/** What a joining member may say about itself; the rest (name, id, time, type) is ours to set. */
export const curatorInstanceOptionsSchema = z.strictObject({
  address: z.string().min(1).nullable().default(null),
  port: port.nullable().default(null),
  sslPort: port.nullable().default(null),
  uriSpec: z.string().min(1).nullable().default(null),
  enabled: z.boolean().default(true),
  /** the Java class Curator should give an object payload (its `@class`) */
  payloadClass: z.string().regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$/).default('java.util.LinkedHashMap'),
})

export type CuratorInstanceOptions = z.input<typeof curatorInstanceOptionsSchema>
export type ResolvedCuratorInstanceOptions = z.output<typeof curatorInstanceOptionsSchema>

interface UriPart {
  value: string
  variable: boolean
}

/** Splits a template as Curator's UriSpec does: `{name}` is a variable (trimmed), the rest literal. */
export function uriSpecParts(template: string): UriPart[] {
  const parts: UriPart[] = []
  let inVariable = false
  for (const token of template.split(/([{}])/).filter((s) => s.length > 0)) {
    if (token === '{') {
      if (inVariable) throw new RangeError(`uriSpec ${template}: { inside a variable`)
      inVariable = true
    } else if (token === '}') {
      if (!inVariable) throw new RangeError(`uriSpec ${template}: } without {`)
      inVariable = false
    } else parts.push({ value: inVariable ? token.trim() : token, variable: inVariable })
  }
  if (inVariable) throw new RangeError(`uriSpec ${template}: variable not closed`)
  return parts
}

export function uriSpecTemplate(parts: readonly UriPart[]): string {
  return parts.map((p) => (p.variable ? `{${p.value}}` : p.value)).join('')
}

const JAVA_CLASS = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/

/** The payload with Jackson's type information added, so Curator can read it back. */
export function typedPayload(payload: unknown, payloadClass: string): unknown {
  if (Array.isArray(payload)) return ['java.util.ArrayList', payload]
  if (payload !== null && typeof payload === 'object') return { '@class': payloadClass, ...(payload as Record<string, unknown>) }
  return payload
}

/** The payload without Jackson's type information, and the class it named. */
export function untypedPayload(payload: unknown): { value: unknown; payloadClass: string | null } {
  if (Array.isArray(payload) && payload.length === 2 && typeof payload[0] === 'string' && JAVA_CLASS.test(payload[0])) {
    return { value: payload[1], payloadClass: payload[0] }
  }
  if (payload !== null && typeof payload === 'object' && !Array.isArray(payload) && typeof (payload as Record<string, unknown>)['@class'] === 'string') {
    const { '@class': payloadClass, ...rest } = payload as Record<string, unknown>
    return { value: rest, payloadClass: payloadClass as string }
  }
  return { value: payload, payloadClass: null }
}

export interface InstanceToWrite {
  name: string
  id: string
  registrationTimeUTC: number
  options: ResolvedCuratorInstanceOptions
}

/** The JSON Curator's ServiceDiscovery reads, for a DYNAMIC (ephemeral) instance of ours. */
export function encodeInstance(instance: InstanceToWrite, payload: unknown): string {
  const { options } = instance
  return JSON.stringify({
    name: instance.name,
    id: instance.id,
    address: options.address,
    port: options.port,
    sslPort: options.sslPort,
    payload: payload === undefined ? null : typedPayload(payload, options.payloadClass),
    registrationTimeUTC: instance.registrationTimeUTC,
    serviceType: 'DYNAMIC',
    uriSpec: options.uriSpec === null ? null : { parts: uriSpecParts(options.uriSpec) },
    enabled: options.enabled,
  })
}

const storedInstanceSchema = z.looseObject({
  name: z.string(),
  id: z.string(),
  address: z.string().nullish(),
  port: z.number().int().nullish(),
  sslPort: z.number().int().nullish(),
  payload: z.unknown().optional(),
  registrationTimeUTC: z.number().default(0),
  serviceType: z.enum(['DYNAMIC', 'STATIC', 'PERMANENT', 'DYNAMIC_SEQUENTIAL']).default('DYNAMIC'),
  uriSpec: z.looseObject({ parts: z.array(z.looseObject({ value: z.string(), variable: z.boolean() })).default([]) }).nullish(),
  enabled: z.boolean().default(true),
})

/** Reads a ServiceInstance node's JSON; throws (with the reason) when it is not one. */
export function decodeInstance(text: string): { instance: CuratorInstance; payload: unknown } {
  const parsed = storedInstanceSchema.safeParse(JSON.parse(text))
  if (!parsed.success) throw new TypeError(`not a Curator ServiceInstance: ${z.prettifyError(parsed.error)}`)
  const stored = parsed.data
  const { value, payloadClass } = untypedPayload(stored.payload ?? null)
  return {
    instance: {
      name: stored.name,
      id: stored.id,
      address: stored.address ?? null,
      port: stored.port ?? null,
      sslPort: stored.sslPort ?? null,
      registrationTimeUTC: stored.registrationTimeUTC,
      serviceType: stored.serviceType,
      uriSpec: stored.uriSpec ? uriSpecTemplate(stored.uriSpec.parts) : null,
      enabled: stored.enabled,
      payloadClass,
    },
    payload: value,
  }
}
