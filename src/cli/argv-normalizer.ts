/**
 * Rewrites a Consul-style command line into one commander parses, so `cairn` accepts what
 * `consul` users type. Go's `flag` package, which Consul uses, differs from commander in three
 * ways this undoes:
 *
 * 1. Long flags take one dash or two: `-recurse`, `-http-addr=x`, `--http-addr x` → `--name…`.
 * 2. Booleans may carry a value: `-recurse=true` → `--recurse`, `-recurse=false` → nothing.
 * 3. Flag parsing stops at the first positional argument of a command: in
 *    `kv put key -x`, `-x` is data. A `--` is inserted before the positionals when needed.
 *
 * A flag's value is joined to it (`--modify-index=5`) so a value starting with `-` is never
 * mistaken for a flag. Pure: the command tree comes in as `CommandShape`.
 */

export interface CommandShape {
  subcommands: ReadonlyMap<string, CommandShape>;
  /** Long flag names, without dashes, that take a value (including inherited global flags). */
  valueFlags: ReadonlySet<string>;
  /** Long flag names, without dashes, that are booleans. */
  booleanFlags: ReadonlySet<string>;
}

export function normalizeConsulArgv(argv: readonly string[], root: CommandShape): string[] {
  const normalized: string[] = [];
  let shape = root;
  let i = 0;
  while (i < argv.length) {
    const token = argv[i]!;
    if (token === '--') {
      normalized.push(...argv.slice(i));
      return normalized;
    }
    if (isFlag(token)) {
      const { emitted, consumed } = normalizeFlag(argv, i, shape);
      normalized.push(...emitted);
      i += consumed;
      continue;
    }
    const subcommand = shape.subcommands.get(token);
    if (subcommand) {
      shape = subcommand;
      normalized.push(token);
      i++;
      continue;
    }
    if (shape.subcommands.size > 0) {
      // Not a command this level knows (or `help`): let commander report it.
      normalized.push(token);
      i++;
      continue;
    }
    const positionals = argv.slice(i);
    if (positionals.some(isFlag)) normalized.push('--');
    normalized.push(...positionals);
    return normalized;
  }
  return normalized;
}

function isFlag(token: string): boolean {
  return token.length > 1 && token.startsWith('-') && token !== '--';
}

const goTrue = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const goFalse = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

function normalizeFlag(
  argv: readonly string[],
  at: number,
  shape: CommandShape,
): { emitted: string[]; consumed: number } {
  const token = argv[at]!;
  const body = token.startsWith('--') ? token.slice(2) : token.slice(1);
  const equals = body.indexOf('=');
  const name = equals === -1 ? body : body.slice(0, equals);
  const value = equals === -1 ? undefined : body.slice(equals + 1);
  const dashes = name.length === 1 ? '-' : '--';

  if (shape.booleanFlags.has(name) && value !== undefined) {
    if (goTrue.has(value)) return { emitted: [`--${name}`], consumed: 1 };
    if (goFalse.has(value)) return { emitted: [], consumed: 1 };
  }
  if (value !== undefined) return { emitted: [`${dashes}${name}=${value}`], consumed: 1 };
  const next = argv[at + 1];
  if (shape.valueFlags.has(name) && next !== undefined) {
    return { emitted: [`${dashes}${name}=${next}`], consumed: 2 };
  }
  return { emitted: [`${dashes}${name}`], consumed: 1 };
}
