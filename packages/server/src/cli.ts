// The `zoo` command line. Subcommands are registered as the pieces behind them land.
import { Command } from 'commander'

const program = new Command('zoo').description('zoo: a ZooKeeper-compatible ensemble').version('0.1.0')
await program.parseAsync(process.argv)
