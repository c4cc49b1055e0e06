/**
 * The ensemble an integration suite runs against: recipe-core's EnsembleTarget, chosen by
 * ZOO_RECIPES_TARGET (Apache by default), with pause/resume of a member (SIGSTOP / SIGCONT: a
 * server that goes silent without closing connections).
 */
import { selectedEnsemble, type EnsembleTarget } from '@zoo/recipe-core/testing'

export type LatchTarget = EnsembleTarget

export function startTarget(options: { members?: number; tickTimeMs?: number } = {}): Promise<LatchTarget> {
  return selectedEnsemble()({ members: options.members ?? 1, tickTimeMs: options.tickTimeMs ?? 500 })
}
