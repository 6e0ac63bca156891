/** The command line's configuration: the environment, which each command parses the part of it needs. */
export function loadCliEnv(env: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  return { ...env };
}
