/**
 * The one-line rule form of `--route` (CLI.md): one rule is one top-level routing group.
 *
 *   rule       := expr '->' target ['@' N['%']] ['#' description]
 *   expr       := term (('and' | 'or') term)*        one connective per level; mix them with parentheses
 *   term       := '(' expr ')' | condition | 'always' | 'never'
 *   condition  := operand operator value | operand 'exists'
 *   operand    := dotted path (tokens.input, request.lastMessage.content, …) | errorRate(window[, status])
 *   operator   := == != > >= < <= contains 'not contains' startswith endswith matches in 'not in'
 *   value      := number | "string" | 'string' | true | false | /regex/flags | [a, "b", 3] | {json object}
 *   target     := <connection>/<model> | block     the connection is the text before the first '/'
 *
 * Keywords are case-insensitive. `always` (an empty AND) matches every request, e.g. for a canary
 * `always -> groq/llama-3.3-70b @ 10%`; `never` (an empty OR) matches none.
 */
import { UsageError } from '../../errors.js';
import { checkConditionValue, type Comparator, type ConditionValue } from './condition-value.js';
import { formatOperand, parseExpression } from './expression.js';
import { RuleScanner, type Literal } from './rule-scanner.js';
import { formatPath, routingInputSchema, type ConditionInput, type RouteGroupInput } from './schema.js';

/** An expression before it becomes groups: the connective of one level and its items. */
interface Expr {
  operator: 'AND' | 'OR';
  items: (ConditionInput | Expr)[];
}

const SYMBOLS: [string, Comparator][] = [
  ['==', 'EQUAL'],
  ['!=', 'NOT_EQUAL'],
  ['>=', 'GREATER_THAN_OR_EQUAL'],
  ['<=', 'LESS_THAN_OR_EQUAL'],
  ['>', 'GREATER_THAN'],
  ['<', 'LESS_THAN'],
  ['=', 'EQUAL'],
];
const WORDS: Record<string, Comparator> = {
  contains: 'CONTAINS',
  startswith: 'STARTS_WITH',
  endswith: 'ENDS_WITH',
  matches: 'PATTERN',
  in: 'IN',
  exists: 'EXISTS',
};
const OPERATORS_HINT =
  'operators: == != > >= < <= contains, not contains, startswith, endswith, matches, in, not in, exists';
const VALUE_HINT = 'values: 100, "text", true, /regex/i, [a, b], {"json": 1}';

/**
 * Parses one `--route` rule into a top-level routing group (input form: the target names its
 * connection; resolve it with `resolveRouting`). Throws a UsageError whose message shows the rule and
 * a caret under the column of the problem; `label` names the flag in that message.
 */
export function parseRule(rule: string, label = '--route'): RouteGroupInput {
  const scanner = new RuleScanner(rule, label);
  scanner.skipSpace();
  if (scanner.atEnd()) scanner.fail('empty rule; expected e.g. tokens.input < 100 -> groq/llama-3.1-8b-instant');
  const expr = parseExpr(scanner);
  const top = expr.items.length === 1 && isExpr(expr.items[0]!) ? expr.items[0] : expr;
  scanner.skipSpace();
  if (!scanner.startsWith('->'))
    scanner.fail(scanner.atEnd() ? "expected '->' and a target" : "expected 'and', 'or' or '->'");
  scanner.pos += 2;
  const group = toGroup(top);
  parseTarget(scanner, group);
  // Everything was checked on the way, with columns; the schema stays the one definition of valid.
  const checked = routingInputSchema.safeParse({ conditions: [group] });
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    throw new UsageError(`invalid ${label}: ${formatPath(issue.path.slice(2))}: ${issue.message}`);
  }
  return checked.data.conditions[0]!;
}

function parseExpr(scanner: RuleScanner): Expr {
  const items = [parseTerm(scanner)];
  let connective: string | undefined;
  for (;;) {
    scanner.skipSpace();
    const at = scanner.pos;
    const word = scanner.peekWord();
    if (word !== 'and' && word !== 'or') break;
    if (connective && connective !== word) {
      scanner.fail("'and' and 'or' cannot be mixed without parentheses", at, 'group them, e.g. (a and b) or c');
    }
    connective = word;
    scanner.pos += word.length;
    items.push(parseTerm(scanner));
  }
  return { operator: connective === 'or' ? 'OR' : 'AND', items };
}

function parseTerm(scanner: RuleScanner): ConditionInput | Expr {
  scanner.skipSpace();
  const word = scanner.peekWord();
  if (word === 'always' || word === 'never') {
    scanner.pos += word.length;
    return { operator: word === 'always' ? 'AND' : 'OR', items: [] };
  }
  if (scanner.peek() !== '(') return parseCondition(scanner);
  const open = scanner.pos++;
  const inner = parseExpr(scanner);
  scanner.skipSpace();
  if (scanner.peek() !== ')') scanner.fail(`expected ')' to close the '(' at column ${open + 1}`);
  scanner.pos++;
  // `(a)` is just `a`; a group of one changes nothing.
  return inner.items.length === 1 ? inner.items[0]! : inner;
}

function parseCondition(scanner: RuleScanner): ConditionInput {
  const start = scanner.pos;
  const operand = scanner.startsWith('errorRate')
    ? scanner.readWhile((_char, index) => index === start || scanner.text.charAt(index - 1) !== ')')
    : scanner.readWhile((char, index) => /[\w$.-]/.test(char) && !scanner.text.startsWith('->', index));
  if (operand === '') {
    scanner.fail('expected a condition such as tokens.input < 100, request.x contains "y" or errorRate(5) > 10');
  }
  const parsed = parseExpression(operand);
  if (!parsed.ok) scanner.fail(parsed.error, start);
  const expression = formatOperand(parsed.value);
  scanner.skipSpace();
  const operatorAt = scanner.pos;
  const comparator = readComparator(scanner);
  const operatorText = scanner.text.slice(operatorAt, scanner.pos);
  if (comparator === 'EXISTS') return { type: 'condition', expression, comparator };
  scanner.skipSpace();
  const valueAt = scanner.pos;
  const literal = scanner.readLiteral();
  if (!literal) scanner.fail(`expected a value after '${operatorText}'`, valueAt, VALUE_HINT);
  const value = toConditionValue(comparator, literal, operatorText, (message) => scanner.fail(message, valueAt));
  return { type: 'condition', expression, comparator, value };
}

function readComparator(scanner: RuleScanner): Comparator {
  for (const [symbol, comparator] of SYMBOLS) {
    if (scanner.startsWith(symbol)) {
      scanner.pos += symbol.length;
      return comparator;
    }
  }
  const word = scanner.peekWord();
  if (word === 'not') {
    scanner.pos += 3;
    scanner.skipSpace();
    const negated = scanner.peekWord();
    if (negated !== 'contains' && negated !== 'in') scanner.fail("expected 'contains' or 'in' after 'not'");
    scanner.pos += negated.length;
    return negated === 'in' ? 'NOT_IN' : 'NOT_CONTAINS';
  }
  const comparator = WORDS[word];
  if (!comparator) return scanner.fail('expected a comparison operator', scanner.pos, OPERATORS_HINT);
  scanner.pos += word.length;
  return comparator;
}

/**
 * Chooses the stored value type from what was written, so the evaluator compares the way the rule
 * reads: `< 100` compares numbers, `== "100"` text, `in [a, b]` list membership.
 */
function toConditionValue(
  comparator: Comparator,
  literal: Literal,
  operatorText: string,
  fail: (message: string) => never,
): ConditionValue {
  if (literal.kind === 'regex' && comparator !== 'PATTERN')
    fail(`a /regex/ only goes with 'matches', not '${operatorText}'`);
  if (comparator === 'PATTERN' && literal.kind !== 'regex' && literal.kind !== 'string') {
    fail("expected a /regex/ or a quoted string after 'matches'");
  }
  if ((comparator === 'IN' || comparator === 'NOT_IN') && literal.kind !== 'list') {
    fail(`expected a [list] after '${operatorText}'`);
  }
  const value = storedValue(comparator, literal);
  const problem = checkConditionValue(comparator, value);
  if (problem)
    fail(problem.field === 'type' ? `${describe(literal)} does not work with '${operatorText}'` : problem.message);
  return value;
}

function storedValue(comparator: Comparator, literal: Literal): ConditionValue {
  switch (literal.kind) {
    case 'number':
      return { type: 'number', expression: String(literal.value) };
    case 'string':
      return { type: 'string', expression: literal.value };
    case 'boolean':
      return { type: 'boolean', expression: String(literal.value) };
    case 'regex':
      return { type: 'string', expression: literal.text };
    case 'object':
      return { type: 'json-object', expression: JSON.stringify(literal.value) };
    case 'list': {
      // Plain words make the original's comma-delimited-list; anything a comma list would mangle
      // (numbers, booleans, commas, edge spaces, objects) keeps its JSON types.
      const plain =
        (comparator === 'IN' || comparator === 'NOT_IN') &&
        literal.items.length > 0 &&
        literal.items.every(
          (item) => typeof item === 'string' && item !== '' && item.trim() === item && !item.includes(','),
        );
      return plain
        ? { type: 'comma-delimited-list', expression: literal.items.join(',') }
        : { type: 'json-array', expression: JSON.stringify(literal.items) };
    }
  }
}

const LITERAL_NAMES: Record<Literal['kind'], string> = {
  number: 'a number',
  string: 'a string',
  boolean: 'true/false',
  regex: 'a /regex/',
  list: 'a [list]',
  object: 'a {json object}',
};

function describe(literal: Literal): string {
  return LITERAL_NAMES[literal.kind];
}

function parseTarget(scanner: RuleScanner, group: RouteGroupInput): void {
  scanner.skipSpace();
  const start = scanner.pos;
  const target = scanner.readWhile((char) => !/\s/.test(char));
  if (target === '') scanner.fail("expected a target after '->': <connection>/<model> or block");
  if (target.toLowerCase() === 'block') {
    group.action = 'BLOCK';
  } else {
    const slash = target.indexOf('/');
    if (slash < 1) scanner.fail('expected <connection>/<model> (e.g. openai/gpt-4o) or block', start);
    if (slash === target.length - 1) scanner.fail("expected a model after '/'", start + slash + 1);
    group.then = { connection: target.slice(0, slash), model: target.slice(slash + 1) };
  }
  scanner.skipSpace();
  if (scanner.peek() === '@') {
    if (!group.then) scanner.fail('a block rule takes no traffic share');
    scanner.pos++;
    scanner.skipSpace();
    const at = scanner.pos;
    const traffic = scanner.readNumber();
    if (traffic === undefined) scanner.fail('expected a traffic share such as @ 50%');
    if (!(traffic >= 1 && traffic <= 100)) scanner.fail('traffic must be between 1 and 100 (percent)', at);
    scanner.skipSpace();
    if (scanner.peek() === '%') scanner.pos++;
    group.then.traffic = traffic;
    scanner.skipSpace();
  }
  if (scanner.peek() === '#') {
    const description = scanner.text.slice(scanner.pos + 1).trim();
    if (description !== '') group.description = description;
    scanner.pos = scanner.text.length;
  }
  if (!scanner.atEnd()) scanner.fail("expected the end of the rule, '@ N%' or '# description'");
}

function toGroup(expr: Expr): RouteGroupInput {
  return { type: 'group', operator: expr.operator, conditions: expr.items.map(toNode), action: 'CALL_MODEL' };
}

function toNode(item: ConditionInput | Expr): ConditionInput | RouteGroupInput {
  return isExpr(item) ? toGroup(item) : item;
}

function isExpr(item: ConditionInput | Expr): item is Expr {
  return 'items' in item;
}
