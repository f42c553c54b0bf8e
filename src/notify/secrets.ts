/**
 * Values in the environment that look like credentials (AWS keys and session tokens, GitHub tokens,
 * passwords). Notifications are built from fixed fields and never read the environment; these values are
 * scrubbed from what is sent all the same, in case one ever reaches an error message.
 */
const SECRET_NAME = /SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|(^|_)KEY($|_)|ACCESS_KEY/i;

export function credentialValues(env: NodeJS.ProcessEnv): string[] {
  return Object.entries(env)
    .filter(([name, value]) => SECRET_NAME.test(name) && value !== undefined && value.length >= 8)
    .map(([, value]) => value as string);
}
