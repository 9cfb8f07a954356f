/**
 * Blanks out every secret value (of a meaningful length) in a provider's message: providers echo
 * credentials in some errors ("Incorrect API key provided: sk-…"), and those never travel further.
 */
export function redactSecrets(text: string, secret: Record<string, string>): string {
  let out = text;
  for (const value of Object.values(secret)) if (value.length >= 6) out = out.split(value).join('********');
  return out;
}
