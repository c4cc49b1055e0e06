// Pure helpers for the tutorial test: find the runnable blocks of a Markdown file and compare
// a run's output with the expected lines the tutorial shows.

export type Language = 'sh' | 'ts'

export interface RunnableBlock {
  language: Language
  code: string
  /** The `text expected` block right after it, as lines; empty when the tutorial shows none. */
  expected: string[]
  /** 1-based line of the opening fence, for messages. */
  line: number
}

const FENCE = /^```([^\n]*)\n([\s\S]*?)^```[ \t]*$/gm

/** Every fenced block marked `runnable` (```sh runnable, ```ts runnable), in order. */
export function runnableBlocks(markdown: string): RunnableBlock[] {
  const fences = [...markdown.matchAll(FENCE)].map((m) => ({
    info: (m[1] ?? '').trim().split(/\s+/),
    body: (m[2] ?? '').replace(/\n$/, ''),
    line: markdown.slice(0, m.index).split('\n').length,
  }))
  const blocks: RunnableBlock[] = []
  fences.forEach((fence, i) => {
    if (!fence.info.includes('runnable')) {
      if (fence.info.includes('expected') && !fences[i - 1]?.info.includes('runnable')) {
        throw new Error(`line ${fence.line}: an expected block must follow a runnable block`)
      }
      return
    }
    const language = fence.info[0]
    if (language !== 'sh' && language !== 'ts') throw new Error(`line ${fence.line}: runnable blocks are sh or ts, not ${language}`)
    const next = fences[i + 1]
    const expected = next?.info.includes('expected') === true ? next.body.split('\n') : []
    blocks.push({ language, code: fence.body, expected, line: fence.line })
  })
  return blocks
}

/** One expected line as a whole-line pattern: `<name>` stands for any non-empty text. */
export function linePattern(expected: string): RegExp {
  const parts = expected.trim().split(/<[a-z][a-z0-9-]*>/)
  const escaped = parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\s+/g, '\\s+'))
  return new RegExp(`^${escaped.join('.+?')}$`)
}

/**
 * Checks that the expected lines occur in the output in order (other output lines may come
 * between them, so the tutorial may show an excerpt). Returns the first expected line not
 * found, or null.
 */
export function missingLine(expected: string[], output: string): string | null {
  const lines = output.split('\n').map((l) => l.trim())
  let at = 0
  for (const want of expected) {
    if (want.trim() === '') continue
    const pattern = linePattern(want)
    while (at < lines.length && !pattern.test(lines[at] as string)) at++
    if (at === lines.length) return want
    at++
  }
  return null
}
