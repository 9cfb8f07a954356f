/**
 * A store URL as it may be shown (`vmx doctor`, `vmx use`, logs, errors): its password, in the user
 * part or as a `password` parameter, replaced by `***` — the reader sees that one is set, never what
 * it is. An unparsable URL is shown with anything that looks like a password blanked.
 */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]*:)[^@]*@/, '$1***@').replace(/password=[^&\s]*/gi, 'password=***');
  }
}
