/**
 * A routing group as one line of the `--route` form, for `resource show` and the `rule` text of
 * routing events. For anything `parseRule` can produce, `parseRule(formatRule(g))` gives back `g`;
 * what the line cannot carry (ids, labels, a top-level `enabled: false`) is left out, and disabled
 * sub-groups are omitted, which is what the evaluator does with them too.
 */
import { type Comparator, type ValueType, parseValue, splitList, splitPattern } from './condition-value.js';
import { formatOperand, parseExpression } from './expression.js';
import { isBareKeyword } from './rule-scanner.js';

/** The shape both the stored and the input form of a group have. */
export interface FormattableGroup {
  type: 'group';
  description?: string;
  enabled?: boolean;
  operator: 'AND' | 'OR';
  conditions: ReadonlyArray<FormattableCondition | FormattableGroup>;
  action?: 'CALL_MODEL' | 'BLOCK';
  then?: { connectionId?: string; connection?: string; model: string; traffic?: number };
}

export interface FormattableCondition {
  type: 'condition';
  expression: string;
  comparator: Comparator;
  value?: { type: ValueType; expression?: string };
}

const OPERATORS: Record<Comparator, string> = {
  EQUAL: '==',
  NOT_EQUAL: '!=',
  GREATER_THAN: '>',
  GREATER_THAN_OR_EQUAL: '>=',
  LESS_THAN: '<',
  LESS_THAN_OR_EQUAL: '<=',
  CONTAINS: 'contains',
  NOT_CONTAINS: 'not contains',
  STARTS_WITH: 'startswith',
  ENDS_WITH: 'endswith',
  PATTERN: 'matches',
  IN: 'in',
  NOT_IN: 'not in',
  EXISTS: 'exists',
};

/** Maps a stored connection id to its name; undefined when unknown. */
export type ConnectionNamer = (connectionId: string) => string | undefined;

/** A list item that reads back as the same string without quotes. */
const BARE_ITEM = /^[A-Za-z_][\w.:/@-]*$/;

/**
 * Formats a top-level group as one rule. `connectionName` maps a stored connection id to its name
 * (the id itself is printed when it returns undefined); input-form targets print their `connection`.
 */
export function formatRule(group: FormattableGroup, connectionName: ConnectionNamer = () => undefined): string {
  let rule = `${formatBody(group)} -> ${formatTarget(group, connectionName)}`;
  const description = group.description?.replace(/\s+/g, ' ').trim();
  if (description) rule += ` # ${description}`;
  return rule;
}

function formatTarget(group: FormattableGroup, connectionName: ConnectionNamer): string {
  if (group.action === 'BLOCK') return 'block';
  const then = group.then;
  if (!then) return '(no target)';
  const id = then.connectionId;
  const connection = then.connection ?? (id !== undefined ? (connectionName(id) ?? id) : '?');
  return `${connection}/${then.model}${then.traffic !== undefined ? ` @ ${then.traffic}%` : ''}`;
}

function formatBody(group: FormattableGroup): string {
  const children = enabledChildren(group);
  if (children.length === 0) return group.operator === 'AND' ? 'always' : 'never';
  return children
    .map((child) => (child.type === 'group' ? formatNested(child) : formatCondition(child)))
    .join(group.operator === 'AND' ? ' and ' : ' or ');
}

function formatNested(group: FormattableGroup): string {
  const children = enabledChildren(group);
  if (children.length === 1) {
    const only = children[0]!;
    return only.type === 'group' ? formatNested(only) : formatCondition(only);
  }
  return children.length === 0 ? formatBody(group) : `(${formatBody(group)})`;
}

function enabledChildren(group: FormattableGroup): (FormattableCondition | FormattableGroup)[] {
  return group.conditions.filter((child) => child.type === 'condition' || child.enabled !== false);
}

function formatCondition(condition: FormattableCondition): string {
  const parsed = parseExpression(condition.expression);
  const left = parsed.ok ? formatOperand(parsed.value) : condition.expression;
  const operator = OPERATORS[condition.comparator];
  if (condition.comparator === 'EXISTS' || !condition.value) return `${left} ${operator}`;
  return `${left} ${operator} ${formatValue(condition.comparator, condition.value.type, condition.value.expression ?? '')}`;
}

function formatValue(comparator: Comparator, type: ValueType, expression: string): string {
  if (comparator === 'PATTERN' && type === 'string') {
    return splitPattern(expression).literal ? expression : JSON.stringify(expression);
  }
  const parsed = parseValue({ type, expression });
  if (!parsed.ok) return JSON.stringify(expression);
  const { value } = parsed;
  switch (value.type) {
    case 'number':
    case 'boolean':
      return String(value.value);
    case 'string':
      return JSON.stringify(value.value);
    case 'json-object':
      return JSON.stringify(value.value);
    case 'comma-delimited-list':
      return `[${splitList(expression)
        .map((item) => (BARE_ITEM.test(item) && !isBareKeyword(item) ? item : JSON.stringify(item)))
        .join(', ')}]`;
    case 'json-array':
      return `[${value.value.map((item) => JSON.stringify(item)).join(', ')}]`;
  }
}
