/** The uhop command line: parses arguments, calls the experiment code, prints. No math here. */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { UserError } from '../errors.ts';
import { systemError } from './systemErrors.ts';

/**
 * An action whose module loads when its command runs: `uhop --help` does not pay for zod and yaml,
 * `uhop validate` not for tfjs, vega and resvg, and `uhop run` loads the plotting code while its
 * workers start.
 */
function lazy<Module, Name extends keyof Module>(load: () => Promise<Module>, name: Name) {
  return async (...args: unknown[]): Promise<void> => {
    await ((await load())[name] as (...args: unknown[]) => unknown)(...args);
  };
}

// `uhop ... | head` closes stdout early: that is not an error
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(0);
  throw error;
});

const collect = (value: string, previous: string[]) => [...previous, value];

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command()
  .name('uhop')
  .version(version, '-V, --version', 'print the uhop version')
  .description('Memory-capacity experiments for modern Hopfield networks with learned feature maps (U-Hop, KHM / U-Hop+)')
  .showHelpAfterError()
  .exitOverride();

program
  .command('run')
  .description('run an experiment config (JSON or YAML) and write results/<name>/')
  .argument('<config>', 'config file, e.g. configs/mnist.json')
  .option('-o, --out <dir>', 'results folder (default: results/<name>)')
  .option('-s, --set <key=value>', 'override a config field, value parsed as JSON (repeatable)', collect, [])
  .option('--sweep <path=[values]>', 'make a config field a grid axis, values as a JSON list, e.g. retrieval.beta=[0.5,1,2] (repeatable)', collect, [])
  .option('-w, --workers <n>', 'cells run in parallel worker threads (default: number of cores)')
  .option('--shard <i/n>', 'run only every n-th cell, starting at the i-th (for job arrays; combine with uhop merge)')
  .option('--force', 're-run cells that are already in the results folder')
  .option('--data-dir <dir>', 'look for data files here first (then UHOP_DATA_DIR, ./data)')
  .option('--dry-run', 'list the cells, how many are cached, and the estimated cost; run nothing')
  .option('-q, --quiet', 'no progress output')
  .addHelpText(
    'after',
    `
Finished cells are stored in <out>/cells/ as they complete: a rerun skips them, so an interrupted
sweep resumes where it stopped. Failed cells are recorded and retried on the next run.

Examples:
  uhop run configs/mnist.json --out /tmp/r --set seeds=3 --set memories=[10,100]
  uhop run configs/mnist.json --sweep 'retrieval.beta=[0.5,1,2]' --set 'seeds="1..5"'
  uhop run configs/mnist.json --workers 2
  uhop run configs/mnist.json --shard 2/8 --out results/mnist-shard2`,
  )
  .action(lazy(() => import('./run.ts'), 'runCommand'));

program
  .command('validate')
  .description('check a config and show what it would run')
  .argument('<config>', 'config file')
  .option('-s, --set <key=value>', 'override a config field (repeatable)', collect, [])
  .option('--sweep <path=[values]>', 'make a config field a grid axis (repeatable)', collect, [])
  .action(lazy(() => import('./validate.ts'), 'validateCommand'));

program
  .command('report')
  .description('rewrite the tables, plots and report.md of a results folder from its stored cells (no recompute)')
  .argument('<dir>', 'results folder written by uhop run')
  .action(lazy(() => import('./results.ts'), 'reportCommand'));

program
  .command('merge')
  .description('combine the results folders of shards of one config into one folder')
  .argument('<dirs...>', 'results folders (e.g. of uhop run --shard i/n)')
  .requiredOption('-o, --out <dir>', 'merged results folder')
  .option('--partial', 'merge even when shards are missing (their cells are left out of the tables)')
  .action(lazy(() => import('./results.ts'), 'mergeCommand'));

program
  .command('compare')
  .description('compare results folders (same or different configs): union of models, error vs M and D_Φ per (run, model), paired differences where cells share memory sets and seeds')
  .argument('<dirs...>', 'results folders written by uhop run (two or more; the first is the reference)')
  .requiredOption('-o, --out <dir>', 'folder for compare.html, compare.md, the CSVs and figures')
  .addHelpText(
    'after',
    `
Runs are paired cell by cell where they hold the same memories: equal M, seed and D_Φ on the same
data (manifest.json's pool sha256) with the same memory selection. Folders that cannot be read are
named and nothing is written (exit 2).

Example:
  uhop compare results/mnist results/mnist-noise --out results/mnist-vs-noise`,
  )
  .action(lazy(() => import('./compare.ts'), 'compareCommand'));

const data = program.command('data').description('datasets: what is on disk, and downloading them (only when asked)');
data
  .command('list')
  .description('each dataset: available or not, where, size, sha256 against the pinned values')
  .option('--data-dir <dir>', 'look here first (then UHOP_DATA_DIR, ./data)')
  .action(lazy(() => import('./data.ts'), 'dataListCommand'));
data
  .command('fetch')
  .description('download a dataset (mnist-full, fashion-mnist, cifar10) with resume and sha256 check')
  .argument('<name>', 'dataset name')
  .option('--data-dir <dir>', 'where <name>/ is created (default ./data)')
  .option('--mirror <url>', 'base URL to download from instead of the canonical one')
  .option('--split <split>', 'only train or test (IDX datasets)')
  .option('--timeout <seconds>', 'give up when no data arrives for this long, keeping the partial file for a resume (default 30, or UHOP_FETCH_TIMEOUT)')
  .action(lazy(() => import('./data.ts'), 'dataFetchCommand'));

program
  .command('reproduce')
  .description("run the papers' capacity figures and tables as recipes (configs/paper/)")
  .argument('[names...]', 'recipes to run')
  .option('--all', 'every recipe')
  .option('--list', 'list the recipes with their estimated cost')
  .option('--profile <profile>', 'ci (small, minutes) or full (paper size)', 'ci')
  .option('-o, --out <dir>', 'results root', 'results/paper')
  .option('-s, --set <key=value>', 'override a config field of every run (repeatable)', collect, [])
  .option('-w, --workers <n>', 'worker threads per run (default: one per core)')
  .addHelpText('after', '\nThen: uhop verify results/paper   (checks every claim, exit 1 if one fails or unexpectedly passes)')
  .action(lazy(() => import('./reproduce.ts'), 'reproduceCommand'));

program
  .command('verify')
  .description("check the papers' claims on reproduced results; writes claims.md and claims.csv")
  .argument('[dir]', 'results root of uhop reproduce', 'results/paper')
  .action(lazy(() => import('./reproduce.ts'), 'verifyCommand'));

program
  .command('schema')
  .description('print the JSON Schema of config files (for editors)')
  .action(async () => {
    const { configJsonSchema } = await import('../config/schema.ts');
    console.log(JSON.stringify(configJsonSchema(), null, 2));
  });

program
  .command('bench')
  .description('time the core operations (plain wasm and wasm + BLAS side by side) and a whole run; writes results/bench/bench.csv')
  .option('-o, --out <dir>', 'output folder', 'results/bench')
  .option('--repeats <n>', 'timed repetitions per operation', '5')
  .option('--config <file>', 'also time a whole run of this config on each kernel', 'configs/mnist.json')
  .option('--no-config', 'time the operations only')
  .option('--no-processes', 'skip the whole-process timings (start-up, `uhop run` of the config, the 5,000-memory cell)')
  .option('--no-big-cell', 'skip the 5,000-memory U-Hop+ cell on 1 and 2 workers (~30 s)')
  .action(lazy(() => import('./bench.ts'), 'benchCommand'));

function fail(error: unknown): never {
  if (error instanceof UserError) {
    console.error(`uhop: error: ${error.message}`);
    process.exit(error.exitCode);
  }
  if (error instanceof CommanderError) {
    // help and version exit 0; usage errors (unknown option, missing argument) exit 2
    process.exit(error.exitCode === 0 ? 0 : 2);
  }
  const machine = systemError(error);
  if (machine) {
    console.error(`uhop: error: ${machine.message}`);
    process.exit(machine.exitCode);
  }
  console.error(error);
  process.exit(1);
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  fail(error);
}
