// `zoo shell` finds @zoo/shell by name at run time, and says what to install when it is absent.
import t from 'tap'
import { loadShell, SHELL_PACKAGE } from '../../src/cli/shell-delegate.js'

t.test('the shell package of this workspace loads and has runShell', async (t) => {
  t.equal(SHELL_PACKAGE, '@zoo/shell')
  t.type((await loadShell()).runShell, 'function')
})

t.test('a missing shell package: an error naming the package to install', async (t) => {
  await t.rejects(loadShell('@zoo/no-such-shell'), {
    message: 'zoo shell needs the @zoo/no-such-shell package, which is not installed here: npm install @zoo/no-such-shell (its own bin is zoo-shell)',
  })
})

t.test('a package that is installed but is not a shell: named, not taken for missing', async (t) => {
  await t.rejects(loadShell('@zoo/protocol'), { message: /^@zoo\/protocol has no runShell export/ })
})
