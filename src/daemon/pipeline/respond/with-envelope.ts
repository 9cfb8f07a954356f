/**
 * Adds the `vmx` envelope to the first or the last data event of a piece of SSE text that vmx itself
 * encoded (converted streams): `data: {` becomes `data: {"vmx":…,`. Text without a JSON data event is
 * returned unchanged.
 */
export function withEnvelope(text: string, envelope: object, which: 'first' | 'last'): string {
  const marker = 'data: {';
  const at = which === 'first' ? text.indexOf(marker) : text.lastIndexOf(marker);
  if (at < 0) return text;
  const insertAt = at + marker.length;
  const rest = text.slice(insertAt);
  const separator = rest.startsWith('}') ? '' : ',';
  return `${text.slice(0, insertAt)}"vmx":${JSON.stringify(envelope)}${separator}${rest}`;
}
