# A whole machine's memory as the kernel reports it (/proc/meminfo, in MiB) and each process group's private memory
# (anonymous and shared-memory PSS, grouped by systemd unit, else by process name), read on the box by the image's
# system Python. Sent ahead of verify/worst-case/phase.py, or alone followed by a print of snapshot().
import json
import os


def meminfo():
    out = {}
    with open("/proc/meminfo") as f:
        for line in f:
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0]) / 1024.0
    return out


def own_session():
    # This script and the login session that runs it (up to, not including, the daemon pid 1 started): the measuring
    # tool is not the machine's OS.
    pids, pid = set(), os.getpid()
    while pid > 1:
        with open("/proc/%d/stat" % pid) as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        if ppid == 1:
            break
        pids.add(pid)
        pid = ppid
    return pids


def snapshot():
    # The machine's meminfo and each process group's private memory: anonymous and shared-memory PSS from smaps_rollup,
    # grouped by systemd unit (else the process name), so the caller can split the stack's services from the OS.
    groups = {}
    mine = own_session()
    for pid in os.listdir("/proc"):
        if not pid.isdigit() or int(pid) in mine:
            continue
        try:
            group = None
            with open("/proc/%s/cgroup" % pid) as f:
                for line in f:
                    path = line.strip().split(":", 2)[-1]
                    if path.endswith(".service"):
                        group = path.rsplit("/", 1)[-1]
            if group is None:
                with open("/proc/%s/comm" % pid) as f:
                    group = f.read().strip()
            anon = shmem = 0
            with open("/proc/%s/smaps_rollup" % pid) as f:
                for line in f:
                    if line.startswith("Pss_Anon:"):
                        anon = int(line.split()[1])
                    elif line.startswith("Pss_Shmem:"):
                        shmem = int(line.split()[1])
        except OSError:  # a process that ended or a kernel thread without smaps
            continue
        g = groups.setdefault(group, {"anonMiB": 0.0, "shmemMiB": 0.0, "processes": 0})
        g["anonMiB"] += anon / 1024.0
        g["shmemMiB"] += shmem / 1024.0
        g["processes"] += 1
    for g in groups.values():
        g["anonMiB"], g["shmemMiB"] = round(g["anonMiB"], 2), round(g["shmemMiB"], 2)
    return {"meminfo": {k: round(v, 1) for k, v in meminfo().items()}, "groups": groups}


