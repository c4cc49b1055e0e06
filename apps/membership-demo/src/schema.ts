import * as z from 'zod'

/** What each worker publishes about itself. */
export const WorkerInfo = z.object({ pid: z.number().int(), startedAtMs: z.number(), slots: z.number().int().positive() })
export type WorkerInfo = z.infer<typeof WorkerInfo>
