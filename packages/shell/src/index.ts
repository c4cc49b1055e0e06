export { runShell, runShellCommand, runShellWords, splitWords, formatStat, javaDate, COMMANDS_USAGE } from './shell.js'
export type { ShellIo, ShellOptions } from './shell.js'
