export { ContenderQueue, Contender, firstN, noneAheadOf, type ContenderInfo, type ContenderQueueOptions, type Decision, type Rule } from './contender-queue.js'
export { compareSequence, curatorNaming, kazooNaming, orderContenders, zooNaming, type NamingScheme, type NamingStyle, type ParsedName } from './naming.js'
export { PlaceLostError, RecipeTimeoutError, deadlineSignal, isPlaceLost, sessionLossSignal, sleep, whenAborted, type PlaceLostReason } from './signals.js'
export { InvalidOptionsError, parseOptions } from './options.js'
