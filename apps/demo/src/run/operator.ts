// The demo's dashboard login: an admin operator made with `rebill operator create`, as an operator
// would make one, with a random password handed over on stdin.
import { randomBytes } from 'node:crypto';
import { rebillCommand } from '../processes/command.js';

export interface DemoOperator {
  readonly email: string;
  readonly password: string;
}

/** In a database the demo re-creates the address is fixed; in someone else's it must not collide. */
export async function createDemoOperator(
  env: NodeJS.ProcessEnv,
  ownDatabase: boolean,
): Promise<DemoOperator> {
  const email = ownDatabase
    ? 'admin@demo.rebill.test'
    : `admin-${randomBytes(3).toString('hex')}@demo.rebill.test`;
  const password = randomBytes(12).toString('base64url');
  await rebillCommand(
    ['operator', 'create', '--email', email, '--role', 'admin', '--password-stdin'],
    env,
    password,
  );
  return { email, password };
}
