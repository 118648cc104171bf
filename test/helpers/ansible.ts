// Debian's ansible-core for the tests that check kubesweep against Ansible itself. .ci/run
// installs it; a developer machine without it gets it here (as root, like the testbed).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, realpathSync } from 'node:fs';
import path from 'node:path';

export function ensureAnsible(): void {
  if (existsSync('/usr/bin/ansible-playbook') && existsSync('/usr/bin/ansible-inventory')) return;
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe', env });
  execFileSync('apt-get', ['install', '-y', '-qq', 'ansible-core'], { stdio: 'pipe', env });
}

/** The machine's own Python (`/usr/bin/python3` resolved, e.g. /usr/bin/python3.11), whatever its version. */
export function hostPython(): string {
  return realpathSync('/usr/bin/python3');
}

/** An environment that keeps Ansible's home, temp dirs and retry files under `dir`, colourless. */
export function ansibleEnv(dir: string): NodeJS.ProcessEnv {
  const home = path.join(dir, 'ansible-home');
  mkdirSync(home, { recursive: true });
  return {
    PATH: process.env.PATH,
    HOME: home,
    ANSIBLE_HOME: home,
    ANSIBLE_LOCAL_TEMP: path.join(home, 'tmp'),
    ANSIBLE_REMOTE_TEMP: path.join(home, 'remote-tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_RETRY_FILES_ENABLED: '0',
    ANSIBLE_PYTHON_INTERPRETER: 'auto_silent',
    ANSIBLE_FORCE_COLOR: '0',
    LC_ALL: 'C.UTF-8',
  };
}
