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
    return {"meminfo": {k: round(v, 1) for k, v in meminfo().items()}, "groups": groups, "units": unit_cgroups()}


def unit_cgroups():
    # cgroup v2 charges each unit's anonymous and shared memory, and the kernel memory it causes (sockets, page tables,
    # slab), to the unit: shared memory a process that exited touched still counts as its service's, not the OS's.
    units = {}
    for root, dirs, _ in os.walk("/sys/fs/cgroup/system.slice"):
        for d in dirs:
            if not d.endswith(".service"):
                continue
            try:
                with open(os.path.join(root, d, "memory.stat")) as f:
                    st = dict((k, int(v)) for k, v in (line.split() for line in f))
            except (OSError, ValueError):
                continue
            kernel = st.get("kernel", st.get("slab_unreclaimable", 0) + st.get("pagetables", 0) + st.get("kernel_stack", 0)) + st.get("sock", 0)
            units[d] = {"anonMiB": round(st.get("anon", 0) / 2**20, 2), "shmemMiB": round(st.get("shmem", 0) / 2**20, 2), "kernelMiB": round(kernel / 2**20, 2)}
    return units


