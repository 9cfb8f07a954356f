// The routing domain, importable by the CLI and the daemon alike: schemas, the one-line rule form,
// evaluation variables and the evaluator. Pure code: no SQL, no I/O.
export * from './condition-value.js';
export * from './evaluate.js';
export * from './expression.js';
export * from './format-rule.js';
export * from './parse-rule.js';
export * from './resolve.js';
export * from './schema.js';
export * from './variables.js';
