// "Who may import whom", the house plan's table (docs/architecture.md of the shared docs), as
// data. A package not listed here fails the check: a new package needs a decision, not a default.

/** Every workspace package may be used; a leaf of the graph (apps, tools). */
export const ANY = 'any'

export interface Exception {
  package: string
  /** the file, relative to the package */
  file: string
  /** the package it imports against the rules */
  imports: string
  /** why it stays for now, and what would end it */
  reason: string
}

export interface Rules {
  /** which workspace packages a package's shipped code (src/, dependencies, peerDependencies) may use */
  mayUse: Record<string, readonly string[] | typeof ANY>
  /** optional peers a package may name beyond mayUse: never imported statically, loaded by name if installed */
  optionalPeers: Record<string, readonly string[]>
  /** known breaches, each with its reason; one that no longer matches anything fails the check */
  exceptions: readonly Exception[]
}

const RECIPES = ['@zoo/lock', '@zoo/leader-latch', '@zoo/config-watcher', '@zoo/membership'] as const
/** What every recipe speaks to: the client, and the core the four recipes share. */
const RECIPE_DEPENDENCIES = ['@zoo/client', '@zoo/recipe-core'] as const

export const HOUSE_RULES: Rules = {
  mayUse: {
    // consensus replicates opaque bytes: nothing of ours
    '@zoo/consensus': [],
    '@zoo/protocol': [],
    // the tree needs record types and error codes only; no I/O, no consensus
    '@zoo/znode': ['@zoo/protocol'],
    // a member: never the client (a user who installs the server gets no client code)
    '@zoo/server': ['@zoo/consensus', '@zoo/znode', '@zoo/protocol'],
    '@zoo/client': ['@zoo/protocol'],
    // a client-side tool: the client only, never the server
    '@zoo/shell': ['@zoo/client'],
    '@zoo/recipe-core': ['@zoo/client'],
    ...Object.fromEntries(RECIPES.map((recipe) => [recipe, RECIPE_DEPENDENCIES])),
    // the recipes' path layouts, never the server
    '@zoo/dashboard': ['@zoo/client', '@zoo/protocol', '@zoo/recipe-core', ...RECIPES],
    // test helpers start servers as processes, from their source path: they import none of ours
    '@zoo/testkit': [],
    '@zoo/config-watcher-demo': ANY,
    '@zoo/leader-latch-demo': ANY,
    '@zoo/lock-demo': ANY,
    '@zoo/membership-demo': ANY,
    '@zoo/bench': ANY,
    '@zoo/chaos': ANY,
    '@zoo/docs-test': ANY,
    '@zoo/dependency-rules': ANY,
  },
  optionalPeers: {
    // `zoo shell` imports @zoo/shell by a computed name when it is installed (packages/server/src/cli/shell-delegate.ts)
    '@zoo/server': ['@zoo/shell'],
  },
  exceptions: [
    {
      package: '@zoo/recipe-core',
      file: 'src/testing.ts',
      imports: '@zoo/testkit',
      reason:
        'the ./testing subpath (recipe tests run against Apache, zoo or Redis) loads @zoo/testkit, a private devDependency: it works inside this workspace only. Ends when the test-target selection moves into @zoo/testkit or a private package.',
    },
  ],
}
