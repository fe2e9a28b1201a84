import { AwsServiceError } from './aws-error';

/** A compiled CloudWatch Logs filter pattern: does this log event's message match? */
export type MessageFilter = (message: string) => boolean;

/**
 * Compiles the part of CloudWatch Logs' filter pattern syntax that Rotor and
 * its operators use:
 * - JSON patterns, `{ ($.detail-type = "Key Created") && ($.detail.fingerprint = "sha256:…") }`,
 *   with `=` / `!=` on strings (`*` is a wildcard) and numbers, `<`, `>`, `<=`, `>=` on numbers,
 *   `&&`, `||` (`&&` binds tighter) and parentheses;
 * - term patterns, `ERROR "Key Revoked"`: every term must occur in the message.
 * Anything else (space-delimited `[…]` patterns, regular expressions) is refused
 * with InvalidParameterException rather than matched loosely: a local answer
 * that differs from the service's would hide a bug.
 */
export function compileFilterPattern(pattern: string | undefined): MessageFilter {
  const text = pattern?.trim() ?? '';
  if (text === '') return () => true;
  if (text.startsWith('{')) return compileJsonPattern(text);
  if (text.startsWith('[') || text.startsWith('%')) {
    throw unsupported(pattern as string, 'space-delimited and regular-expression patterns');
  }
  const terms = tokenizeTerms(text);
  return (message) => terms.every((term) => message.includes(term));
}

function unsupported(pattern: string, what: string): AwsServiceError {
  return new AwsServiceError(
    'InvalidParameterException',
    `Invalid filter pattern "${pattern}": the local emulator does not support ${what}`,
  );
}

function tokenizeTerms(text: string): string[] {
  const terms: string[] = [];
  const term = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (const match of text.matchAll(term)) terms.push(match[1] ?? match[2] ?? '');
  return terms.filter(Boolean);
}

// ---------------------------------------------------------------------------
// JSON patterns: a small recursive-descent parser over a token list.

type Token =
  | { readonly kind: 'selector'; readonly path: readonly string[] }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'op'; readonly value: string }
  | { readonly kind: 'punct'; readonly value: '(' | ')' | '&&' | '||' };

type Node = (event: unknown) => boolean;

function compileJsonPattern(pattern: string): MessageFilter {
  const inner = pattern.trim();
  if (!inner.endsWith('}')) throw unsupported(pattern, 'a JSON pattern without its closing brace');
  const tokens = tokenize(pattern, inner.slice(1, -1));
  let position = 0;

  const peek = () => tokens[position];
  const next = () => tokens[position++];
  const punctuation = (value: string) => {
    const token = peek();
    return token?.kind === 'punct' && token.value === value;
  };

  const parseOr = (): Node => {
    let left = parseAnd();
    while (punctuation('||')) {
      next();
      const right = parseAnd();
      const before = left;
      left = (event) => before(event) || right(event);
    }
    return left;
  };
  const parseAnd = (): Node => {
    let left = parseTerm();
    while (punctuation('&&')) {
      next();
      const right = parseTerm();
      const before = left;
      left = (event) => before(event) && right(event);
    }
    return left;
  };
  const parseTerm = (): Node => {
    const token = next();
    if (token?.kind === 'punct' && token.value === '(') {
      const node = parseOr();
      const close = next();
      if (close?.kind !== 'punct' || close.value !== ')')
        throw unsupported(pattern, 'unbalanced parentheses');
      return node;
    }
    if (token?.kind !== 'selector') throw unsupported(pattern, 'this expression');
    const op = next();
    const value = next();
    if (op?.kind !== 'op' || (value?.kind !== 'string' && value?.kind !== 'number')) {
      throw unsupported(pattern, 'this comparison');
    }
    return comparison(pattern, token.path, op.value, value);
  };

  const root = parseOr();
  if (position !== tokens.length) throw unsupported(pattern, 'trailing tokens');
  return (message) => {
    let event: unknown;
    try {
      event = JSON.parse(message);
    } catch {
      return false; // JSON patterns never match a message that is not JSON.
    }
    return root(event);
  };
}

function comparison(
  pattern: string,
  path: readonly string[],
  op: string,
  value: Extract<Token, { kind: 'string' | 'number' }>,
): Node {
  const select = (event: unknown): unknown =>
    path.reduce<unknown>(
      (node, key) =>
        typeof node === 'object' && node !== null ? (node as Record<string, unknown>)[key] : undefined,
      event,
    );
  if (value.kind === 'string') {
    if (op !== '=' && op !== '!=') throw unsupported(pattern, `${op} on a string`);
    const wildcard = new RegExp(
      `^${value.value
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    return (event) => {
      const field = select(event);
      if (typeof field !== 'string') return false;
      return wildcard.test(field) === (op === '=');
    };
  }
  const compare: Record<string, (a: number, b: number) => boolean> = {
    '=': (a, b) => a === b,
    '!=': (a, b) => a !== b,
    '<': (a, b) => a < b,
    '>': (a, b) => a > b,
    '<=': (a, b) => a <= b,
    '>=': (a, b) => a >= b,
  };
  const test = compare[op];
  if (!test) throw unsupported(pattern, `the operator ${op}`);
  return (event) => {
    const field = select(event);
    return typeof field === 'number' && test(field, value.value);
  };
}

function tokenize(pattern: string, text: string): Token[] {
  const tokens: Token[] = [];
  const grammar =
    /\s*(?:(\$(?:\.[A-Za-z0-9_-]+)+)|"((?:[^"\\]|\\.)*)"|(-?\d+(?:\.\d+)?)(?![\w.])|(!=|<=|>=|=|<|>)|(&&|\|\||\(|\)))\s*/y;
  let index = 0;
  while (index < text.length) {
    if (text.slice(index).trim() === '') break;
    grammar.lastIndex = index;
    const match = grammar.exec(text);
    if (!match) throw unsupported(pattern, `the syntax at "${text.slice(index).trim().slice(0, 20)}"`);
    index = grammar.lastIndex;
    const [, selector, quoted, number, op, punct] = match;
    if (selector !== undefined) tokens.push({ kind: 'selector', path: selector.split('.').slice(1) });
    else if (quoted !== undefined) tokens.push({ kind: 'string', value: quoted.replace(/\\(.)/g, '$1') });
    else if (number !== undefined) tokens.push({ kind: 'number', value: Number(number) });
    else if (op !== undefined) tokens.push({ kind: 'op', value: op });
    else tokens.push({ kind: 'punct', value: punct as '(' | ')' | '&&' | '||' });
  }
  return tokens;
}
