import { errorShapes, type Dialect } from '../dialects/index.js';

/**
 * The message of a provider's error body, read the way `dialect` (the one it was spoken in) writes
 * errors, else the way any dialect does (an OpenAI-compatible server answering `{"message":…}`), else
 * the body itself, shortened.
 */
export function errorMessage(text: string, dialect: Dialect): string {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text.slice(0, 300);
  }
  for (const shape of [errorShapes[dialect], ...Object.values(errorShapes)]) {
    const found = shape.read(body);
    if (found) return found.message;
  }
  return text.slice(0, 300);
}
