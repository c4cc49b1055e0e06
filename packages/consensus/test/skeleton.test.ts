import t from 'tap'
import { CONSENSUS_SKELETON } from '../src/index.js'
t.equal(CONSENSUS_SKELETON, true)
