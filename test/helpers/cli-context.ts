/** A runner bound to one data dir, as `cli()` of run-cli.ts or run-cli-in-process.ts makes. */
type Run = (args: string) => Promise<{ json(): unknown }>;

/**
 * Where most CLI tests start: workspace `acme` with environment `dev`, made the current context
 * (`vmx use acme/dev`). Returns the environment as `vmx env show dev --json` prints it.
 */
export async function useAcmeDev(vmx: Run): Promise<{ id: string; name: string; workspaceId: string }> {
  await vmx('workspace create acme');
  await vmx('env add dev -w acme');
  await vmx('use acme/dev');
  return (await vmx('env show dev --json')).json() as { id: string; name: string; workspaceId: string };
}
