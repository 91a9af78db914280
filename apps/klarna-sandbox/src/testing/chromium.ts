// Which Chromium the browser test drives: CHROMIUM_PATH when set, else the first `chromium` on
// PATH, then the first `chromium-browser` (Ubuntu's name), else Debian's /usr/bin/chromium. The
// same search `.ci/run` does before it decides to install one.
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export const DEFAULT_CHROMIUM = '/usr/bin/chromium';
const NAMES_ON_PATH = ['chromium', 'chromium-browser'];

export function resolveChromiumPath(
  env: NodeJS.ProcessEnv = process.env,
  isExecutable: (path: string) => boolean = isExecutableFile,
): string {
  if (env.CHROMIUM_PATH) return env.CHROMIUM_PATH;
  const directories = (env.PATH ?? '').split(delimiter).filter((directory) => directory !== '');
  for (const name of NAMES_ON_PATH) {
    for (const directory of directories) {
      const candidate = join(directory, name);
      if (isExecutable(candidate)) return candidate;
    }
  }
  return DEFAULT_CHROMIUM;
}

function isExecutableFile(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
