#!/usr/bin/python3
"""Raw CephFS provisioning baseline for scripts/bench (io.mooring.tools.bench.CephRaw runs it).

Creates then removes N subvolumes PREFIX-I over ONE persistent librados connection shared by a
pool of C threads, all released at once: the fastest known client of the backend.
--sequence create sends just the mgr commands CreateVolume and DeleteVolume boil down to
(fs subvolume create with a size, fs subvolume rm); --sequence driver sends the same commands the
driver sends (io.mooring.controller.backend.cephfs.CephfsBackend; keep in step with it):
create = metadata ls (the lookup, which the create trusts for a moment), create, getpath, metadata set;
delete = metadata ls, rm.

  ceph_raw_bench.py --conf CONF --id admin --keyfile FILE --fs NAME --group GROUP \
      --prefix NAME-PREFIX --bytes N --concurrency C --count N [--from I] [--sequence create|driver]

librados reads the key from the file (the key never appears in argv or output).
Prints one line per operation on stdout, after each phase:  op<TAB>index<TAB>ms<TAB>ok|error text
and a line  wall<TAB>op<TAB>ms  per phase. Exit 0 when it could run at all (failed operations
are data, not a failure of the script); 1 when it could not connect.
"""
import argparse
import json
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import rados


def main():
    p = argparse.ArgumentParser()
    for flag in ("--conf", "--id", "--keyfile", "--fs", "--group", "--prefix"):
        p.add_argument(flag, required=True)
    p.add_argument("--bytes", type=int, required=True)
    p.add_argument("--concurrency", type=int, required=True)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--from", dest="first", type=int, default=0)
    p.add_argument("--sequence", choices=("create", "driver"), default="create")
    a = p.parse_args()

    cluster = rados.Rados(conffile=a.conf, rados_id=a.id, conf={"keyfile": a.keyfile})
    try:
        cluster.connect(timeout=15)
    except rados.Error as e:
        print("cannot connect to Ceph: %s" % e, file=sys.stderr)
        return 1
    try:
        # The group is made once, outside the timed work (the driver does it once too).
        run(cluster, {"prefix": "fs subvolumegroup create", "vol_name": a.fs, "group_name": a.group})
        names = ["%s-%d" % (a.prefix, a.first + i) for i in range(a.count)]
        base = {"vol_name": a.fs, "group_name": a.group}
        create = [dict(base, prefix="fs subvolume create", size=a.bytes, mode="0777")]
        delete = [dict(base, prefix="fs subvolume rm")]
        if a.sequence == "driver":
            lookup = dict(base, prefix="fs subvolume metadata ls")
            record = dict(base, prefix="fs subvolume metadata set", key_name="mooring-volume")
            create = [lookup] + create + [dict(base, prefix="fs subvolume getpath"), record]
            delete = [lookup] + delete
        phase(cluster, "create", names, create, a.concurrency, a.bytes)
        phase(cluster, "delete", names, delete, a.concurrency, a.bytes)
    finally:
        cluster.shutdown()
    return 0


def run(cluster, command):
    ret, out, status = cluster.mgr_command(json.dumps(command), b"", timeout=60)
    if ret < 0:
        raise CommandError(-ret, "%s: %s (errno %d)" % (command["prefix"], status.strip() or "failed", -ret))
    return out


class CommandError(RuntimeError):
    def __init__(self, errno, message):
        super().__init__(message)
        self.errno = errno


ENOENT = 2


def sequence(cluster, commands, name, size):
    """Runs commands for subvolume name; a metadata ls may find nothing (a new volume), as in the driver."""
    for command in commands:
        command = dict(command, sub_name=name)
        if command["prefix"] == "fs subvolume metadata set":
            command["value"] = json.dumps({"requestName": name, "capacityBytes": size})
        try:
            run(cluster, command)
        except CommandError as e:
            if not (command["prefix"] == "fs subvolume metadata ls" and e.errno == ENOENT):
                raise


def phase(cluster, op, names, commands, concurrency, size):
    go = threading.Event()
    results = [None] * len(names)

    def one(i):
        go.wait()
        start = time.monotonic()
        try:
            sequence(cluster, commands, names[i], size)
            outcome = "ok"
        except Exception as e:  # an operation's failure is a result: report it, go on
            outcome = " ".join(str(e).split()) or type(e).__name__
        end = time.monotonic()
        results[i] = (start, end, outcome)

    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        futures = [pool.submit(one, i) for i in range(len(names))]
        time.sleep(0.05)  # let the threads reach the start line, as the Java side does
        t0 = time.monotonic()
        go.set()
        for f in futures:
            f.result()
    last = max(r[1] for r in results) if results else t0
    out = sys.stdout
    for i, (start, end, outcome) in enumerate(results):
        out.write("%s\t%d\t%.3f\t%s\n" % (op, i, (end - start) * 1000, outcome))
    out.write("wall\t%s\t%.3f\n" % (op, (last - t0) * 1000))
    out.flush()


if __name__ == "__main__":
    sys.exit(main())
