// Reads an operator's password: all of stdin (`--password-stdin`), or a prompt on the terminal with
// echo off, so that it never shows on screen, in argv or in shell history.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

export async function readPassword(source: 'stdin' | 'prompt'): Promise<string> {
  if (source === 'stdin') {
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
    return Buffer.concat(chunks).toString('utf8');
  }
  if (!process.stdin.isTTY) {
    throw new PasswordInputError('no terminal to prompt on: pipe the password in with --password-stdin');
  }
  process.stderr.write('Password: ');
  let muted = true;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const answer = await new Promise<string>((resolve) => rl.question('', resolve));
    muted = false;
    process.stderr.write('\n');
    return answer;
  } finally {
    rl.close();
  }
}

export class PasswordInputError extends Error {}
