import { readFileSync } from 'node:fs'

/** Real answers of an Apache ZooKeeper 3.8 ensemble (captured from a 3-member run). */
export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/apache-3.8/${name}`, import.meta.url), 'utf8')
}
