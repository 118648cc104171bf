# Filters of the kubesweep role (run on the controller): they turn the client's JSON report into
# what the plays print and decide on, and compare a Kubespray remove_node.yml with the play
# structure kubespray-remove-node.yml was made from. Plain data in, plain data out.
from __future__ import annotations

import difflib
import json

import yaml

try:  # strings read from a playbook hold "{{ }}": never let Ansible template them again
    from ansible.utils.unsafe_proxy import wrap_var
except ImportError:  # pragma: no cover - outside Ansible
    def wrap_var(v):
        return v


def _holder(listener, owner):
    line = '%s %s:%s held by pid %s (%s)' % (
        listener.get('protocol'), listener.get('address'), listener.get('port'), owner.get('pid'), _cut(owner.get('command', ''), 80))
    if owner.get('containerName'):
        line += ', container ' + owner['containerName']
    pod = owner.get('pod')
    if pod:
        line += ', pod %s/%s [%s]' % (pod.get('namespace'), pod.get('name'), pod.get('kind'))
    if owner.get('residue'):
        line += ', left over: ' + owner.get('residueReason', '')
    return line


def _cut(text, n):
    return text if len(text) <= n else text[: n - 3] + '...'


def _host_service(owner):
    """A process of the host, not of a container: Kubespray's reset role stops those (etcd.service)."""
    return not owner.get('containerId') and not owner.get('residue') and not owner.get('shimPid')


def kubesweep_verdict(report, leave_to_reset_role=False):
    """What a reset report leaves, split in two.

    ours:   lines for what kubesweep was to remove and did not (each a reason to fail the host);
    theirs: when leave_to_reset_role, what Kubespray's reset role stops later in the same
            playbook: ports held only by host processes (host-mode etcd), and an enabled kubelet
            unit. Each {line, pid} (pid 0 for a unit).
    changed: the report says something was done (an item with outcome done, in a step other than
             verify; `gone`, already absent, is not a change).
    """
    report = report or {}
    ours, theirs = [], []
    if report.get('aborted'):
        ours.append('run aborted: ' + report['aborted'])
    for step in report.get('steps', []):
        for item in step.get('items', []):
            if item.get('outcome') == 'failed':
                ours.append('%s: %s %s failed: %s' % (step.get('name'), item.get('action'), item.get('target'), item.get('message', '')))
    for x in (report.get('verification') or {}).get('residue', []):
        kind = x.get('kind')
        if kind == 'kubelet-unit' and leave_to_reset_role:
            theirs.append({'line': 'unit %s is enabled (the reset role stops and disables it)' % x.get('target'), 'pid': 0, 'unit': x.get('target')})
            continue
        listeners = x.get('listeners') or []
        owners = [(l, o) for l in listeners for o in l.get('owners', [])]
        if kind == 'port' and owners and leave_to_reset_role and all(_host_service(o) for _, o in owners):
            for l, o in owners:
                theirs.append({'line': _holder(l, o), 'pid': o.get('pid', 0), 'unit': ''})
            continue
        if not owners:
            ours.append('%s %s: %s' % (kind, x.get('target'), x.get('why', '')))
        for l, o in owners:
            ours.append(_holder(l, o))
    done_lines = ['%s: %s %s' % (s.get('name'), i.get('action'), _short(i.get('target')))
                  for s in report.get('steps', []) if s.get('name') != 'verify'
                  for i in s.get('items', []) if i.get('outcome') == 'done']
    # Items only: a step's `done` also counts what was already gone (a kubelet already stopped).
    return {'ours': ours, 'theirs': theirs, 'changed': len(done_lines) > 0, 'done': len(done_lines), 'done_lines': done_lines}


def _short(target):
    target = str(target)
    return target[:12] if len(target) == 64 and all(c in '0123456789abcdef' for c in target) else target


def kubesweep_plan_lines(report):
    """One line per planned action: '<step>: <action> <target>'."""
    plan = (report or {}).get('plan') or {}
    lines = []
    for step in plan.get('steps', []):
        for a in step.get('actions', []):
            target = str(a.get('target'))
            if len(target) == 64 and all(c in '0123456789abcdef' for c in target):
                target = target[:12]
            d = a.get('detail') or {}
            what = ', '.join(x for x in (('pod %s' % d['pod']) if d.get('pod') else '', ('container %s' % d['container']) if d.get('container') else '') if x)
            lines.append('%s: %s %s%s' % (step.get('name'), a.get('action'), target, ' (%s)' % what if what else ''))
        if not step.get('actions') and step.get('note'):
            lines.append('%s: nothing to do (%s)' % (step.get('name'), step['note']))
    return lines


def kubesweep_units(text):
    """`<pid> <unit>` lines (from /proc/PID/cgroup) → {pid: unit}."""
    out = {}
    for line in (text or '').splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            out[int(parts[0])] = parts[1]
    return out


def kubesweep_theirs_lines(theirs, units_text=''):
    """The verdict's `theirs` items as lines, each process with its systemd unit."""
    units = kubesweep_units(units_text)
    out = []
    for t in theirs or []:
        unit = units.get(t.get('pid')) if t.get('pid') else None
        out.append(t['line'] + (', unit ' + unit if unit and unit != '?' else ''))
    return out


def kubesweep_final(ports, inventory):
    """The final verification after Kubespray's reset role: every Kubernetes port free (check-ports)
    and nothing left on the node (inspect). Returns {'left': [lines], 'notes': [lines]}."""
    left, notes = [], []
    for p in (ports or {}).get('ports', []):
        if not p.get('held'):
            continue
        owners = [(l, o) for l in p.get('listeners', []) for o in l.get('owners', [])]
        if not owners:
            left.append('port %s is held (owner unknown)' % p.get('port'))
        for l, o in owners:
            left.append(_holder(l, o))
    inv = inventory or {}
    for key, what, name in (('sandboxes', 'pod sandbox', lambda x: '%s/%s' % ((x.get('metadata') or {}).get('namespace', x.get('namespace', '?')), (x.get('metadata') or {}).get('name', x.get('name', x.get('id', '?'))))),
                            ('containers', 'container', lambda x: x.get('name') or (x.get('metadata') or {}).get('name') or x.get('id', '?')),
                            ('shims', 'containerd shim', lambda x: 'pid %s' % x.get('pid')),
                            ('netns', 'pod network namespace', lambda x: x.get('path') or x.get('name', '?')),
                            ('manifests', 'static pod manifest', lambda x: x.get('name', '?')),
                            ('kubeletMounts', 'kubelet mount', lambda x: x.get('mountPoint', '?')),
                            ('kubeletPodDirs', 'kubelet pod dir', lambda x: x),
                            ('links', 'network link', lambda x: x.get('name', '?')),
                            ('ipReservations', 'CNI IPAM reservation', lambda x: x.get('path', '?'))):
        for x in inv.get(key) or []:
            if key == 'links' and not x.get('matched', True):
                continue
            left.append('%s %s' % (what, name(x)))
    if inv.get('kubeletUnitState') == 'enabled':
        left.append('the kubelet unit is still enabled (it would start at boot and register the node again)')
    if inv.get('criError'):
        notes.append('containerd does not answer (Kubespray\'s reset role stops it): pods and containers not listed, shims and netns were: %s' % inv['criError'])
    for e in inv.get('residueErrors') or []:
        notes.append('could not be checked: %s' % e)
    return {'left': left, 'notes': notes}


def _play_summary(play):
    """The parts of a play that decide what remove_node.yml does, in a comparable form."""
    if not isinstance(play, dict):
        return {'kind': 'unknown', 'value': repr(play)}
    imp = play.get('import_playbook', play.get('ansible.builtin.import_playbook'))
    if imp is not None:
        return {'kind': 'import_playbook', 'name': play.get('name', ''), 'import_playbook': imp, 'when': play.get('when', '')}
    roles = []
    for r in play.get('roles') or []:
        if isinstance(r, dict):
            roles.append({'role': r.get('role', r.get('name', '')), 'when': r.get('when', ''), 'tags': r.get('tags', '')})
        else:
            roles.append({'role': r, 'when': '', 'tags': ''})
    tasks = []
    for section in ('pre_tasks', 'tasks', 'post_tasks'):
        for t in play.get(section) or []:
            tasks.append('%s: %s' % (section, t.get('name', '?') if isinstance(t, dict) else t))
    return {'kind': 'play', 'name': play.get('name', ''), 'hosts': play.get('hosts', ''), 'roles': roles, 'tasks': tasks}


def _describe(s):
    if s['kind'] == 'import_playbook':
        return 'import_playbook %s ("%s")' % (s['import_playbook'], s['name'])
    if s['kind'] == 'play':
        return 'play "%s"' % s['name']
    return 'entry %s' % s.get('value')


def kubespray_drift(text, expected_file):
    """Differences between a remove_node.yml (its text) and the play summaries in expected_file
    (JSON, see files/kubespray-remove-node.plays.json); [] = the same structure."""
    with open(expected_file) as f:
        expected = json.load(f)['plays']
    try:
        plays = yaml.safe_load(text)
    except yaml.YAMLError as e:
        return wrap_var(['remove_node.yml is not YAML: %s' % e])
    if not isinstance(plays, list):
        return wrap_var(['remove_node.yml is not a list of plays'])
    found = [_play_summary(p) for p in plays]
    key = lambda s: json.dumps(s, sort_keys=True)
    out = []
    ops = difflib.SequenceMatcher(None, [key(e) for e in expected], [key(f) for f in found], autojunk=False).get_opcodes()
    for tag, e1, e2, f1, f2 in ops:
        if tag == 'equal':
            continue
        if tag == 'replace' and e2 - e1 == f2 - f1:
            for e, f, i in zip(expected[e1:e2], found[f1:f2], range(f1, f2)):
                keys = [k for k in sorted(set(f) | set(e)) if f.get(k) != e.get(k)]
                out.append('play %d, %s: %s differs (expected %s, found %s)' % (
                    i + 1, _describe(e), ', '.join(keys), _fmt({k: e.get(k) for k in keys}), _fmt({k: f.get(k) for k in keys})))
            continue
        for i in range(f1, f2):
            out.append('play %d is one more than expected: %s' % (i + 1, _describe(found[i])))
        for e in expected[e1:e2]:
            out.append('missing: %s' % _describe(e))
    return wrap_var(out)


def kubespray_play_summaries(text):
    """The summaries of a remove_node.yml (to record a new expected structure)."""
    return wrap_var([_play_summary(p) for p in yaml.safe_load(text)])


def _fmt(v):
    return yaml.safe_dump(v, default_flow_style=True, width=10000).strip()


class FilterModule(object):
    def filters(self):
        return {
            'kubesweep_verdict': kubesweep_verdict,
            'kubesweep_plan_lines': kubesweep_plan_lines,
            'kubesweep_units': kubesweep_units,
            'kubesweep_final': kubesweep_final,
            'kubesweep_theirs_lines': kubesweep_theirs_lines,
            'kubespray_drift': kubespray_drift,
            'kubespray_play_summaries': kubespray_play_summaries,
        }
