import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';

/** The GECOS field's first part (the full name) of a `passwd` line, when it has one. */
export function fullNameFromPasswd(line: string): string | undefined {
  const gecos = line.split(':')[4] ?? '';
  const name = gecos.split(',')[0]?.trim();
  return name ? name : undefined;
}

/** The account's `passwd` entry: `getent` (which also asks LDAP and the like), else /etc/passwd. */
function passwdLine(username: string): string | undefined {
  try {
    return execFileSync('getent', ['passwd', username], { encoding: 'utf8', timeout: 2_000, stdio: 'pipe' });
  } catch {
    try {
      return readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .find((line) => line.startsWith(`${username}:`));
    } catch {
      return undefined;
    }
  }
}

/**
 * Who types in the terminal chat, as the model is told: the OS user's full name where the system knows it
 * (GECOS), else the user name, else `you`.
 */
export function userFullName(): string {
  let username: string;
  try {
    username = userInfo().username;
  } catch {
    return 'you';
  }
  if (!username) return 'you';
  const line = passwdLine(username);
  return (line && fullNameFromPasswd(line)) || username;
}
