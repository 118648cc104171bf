# An Ansible connection plugin for the tests: it runs commands and copies files inside the
# namespaces of a process (the systemd of a systemd-nspawn container) with nsenter, so the
# playbooks run against a "node" that has no SSH server. Point ANSIBLE_CONNECTION_PLUGINS at
# this directory and set ansible_connection=nsenter, ansible_nsenter_pid=<pid> on the host.
from __future__ import annotations

import subprocess

from ansible.errors import AnsibleError
from ansible.plugins.connection import ConnectionBase

DOCUMENTATION = """
name: nsenter
short_description: run in the namespaces of a process (a systemd-nspawn container's PID 1)
description:
  - Commands run as root through nsenter -t PID -a; files are copied through a pipe.
author: kubesweep tests
options:
  pid:
    description: the process whose namespaces to enter
    type: int
    vars:
      - name: ansible_nsenter_pid
"""


class Connection(ConnectionBase):
    transport = 'nsenter'
    has_pipelining = True

    def _connect(self):
        self._connected = True
        return self

    def _enter(self):
        return ['nsenter', '-t', str(self.get_option('pid')), '-a', '--']

    def exec_command(self, cmd, in_data=None, sudoable=True):
        super().exec_command(cmd, in_data=in_data, sudoable=sudoable)
        p = subprocess.Popen(self._enter() + ['/bin/sh', '-c', cmd], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = p.communicate(in_data)
        return p.returncode, out, err

    def put_file(self, in_path, out_path):
        super().put_file(in_path, out_path)
        with open(in_path, 'rb') as f:
            p = subprocess.run(self._enter() + ['/bin/sh', '-c', 'cat > "$1"', 'sh', out_path], stdin=f, capture_output=True)
        if p.returncode != 0:
            raise AnsibleError('put_file %s -> %s failed: %s' % (in_path, out_path, p.stderr.decode(errors='replace')))

    def fetch_file(self, in_path, out_path):
        super().fetch_file(in_path, out_path)
        with open(out_path, 'wb') as f:
            p = subprocess.run(self._enter() + ['cat', in_path], stdout=f, stderr=subprocess.PIPE)
        if p.returncode != 0:
            raise AnsibleError('fetch_file %s failed: %s' % (in_path, p.stderr.decode(errors='replace')))

    def close(self):
        self._connected = False
