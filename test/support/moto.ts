// moto_server on loopback; the launcher lives with local mode (`albatross dev` starts it too).
import { TEST_CREDENTIALS, TEST_REGION } from '../../cli/dev/moto';

export * from '../../cli/dev/moto';

/** The environment a spawned CLI needs to talk to the emulator at `endpoint`. */
export const emulatorEnv = (endpoint: string): NodeJS.ProcessEnv => ({
  AWS_ENDPOINT_URL: endpoint,
  AWS_REGION: TEST_REGION,
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
});
