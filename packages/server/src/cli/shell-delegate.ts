// `zoo shell` runs @zoo/shell, a package of its own: a member is server code and the shell is
// client code, and `npm install @zoo/server` must not bring @zoo/client along. The shell is an
// optional peer of @zoo/server: installed beside it (as in this workspace) it is imported by name
// when `zoo shell` runs; otherwise `zoo shell` says what to install. The specifier is not a
// literal so that neither tsc nor rollup follows it into @zoo/shell and @zoo/client.

/** The part of @zoo/shell that `zoo shell` calls. */
export interface ShellModule {
  /** One command from `words`, else an interactive prompt; resolves the exit code. */
  runShell(connectString: string, words: string[]): Promise<number>
}

export const SHELL_PACKAGE = '@zoo/shell'

export async function loadShell(specifier: string = SHELL_PACKAGE): Promise<ShellModule> {
  let loaded: Partial<ShellModule>
  try {
    loaded = (await import(specifier)) as Partial<ShellModule>
  } catch (e) {
    if (!packageMissing(e, specifier)) throw e
    throw new Error(`zoo shell needs the ${specifier} package, which is not installed here: npm install ${specifier} (its own bin is zoo-shell)`)
  }
  if (typeof loaded.runShell !== 'function') throw new Error(`${specifier} has no runShell export: install the ${specifier} version that matches @zoo/server`)
  return loaded as ShellModule
}

/** The shell package itself is missing (not a module that an installed shell fails to find). */
function packageMissing(e: unknown, specifier: string): boolean {
  const error = e as NodeJS.ErrnoException
  return error.code === 'ERR_MODULE_NOT_FOUND' && error.message.includes(`'${specifier}'`)
}
