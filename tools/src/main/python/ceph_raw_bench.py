#!/usr/bin/python3
"""Raw CephFS provisioning baseline for scripts/bench (io.mooring.tools.bench.CephRaw runs it).

Creates then removes N subvolumes PREFIX-I over ONE persistent librados connection shared by a
pool of C threads, all released at once: the fastest known client of the backend.
--sequence create sends just the mgr commands CreateVolume and DeleteVolume boil down to
(fs subvolume create with a size, fs subvolume rm); --sequence driver sends what the driver sends
(io.mooring.controller.backend.cephfs.CephfsBackend and OmapRecords; keep in step with them), its
records in omap of one object in the file system's metadata pool (here an object of this run):
create = omap read (the lookup, which the create trusts for a moment), omap write (reserve),
mgr create, mgr getpath, omap write (commit); delete = omap read, mgr rm, omap write (remove).

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
        records = None
        if a.sequence == "driver":
            records = Records(cluster, a.fs, a.prefix)
            create = [LOOKUP, RESERVE] + create + [dict(base, prefix="fs subvolume getpath"), COMMIT]
            delete = [LOOKUP] + delete + [REMOVE]
        try:
            phase(cluster, records, "create", names, create, a.concurrency, a.bytes)
            phase(cluster, records, "delete", names, delete, a.concurrency, a.bytes)
        finally:
            if records:
                records.close()
    finally:
        cluster.shutdown()
    return 0


LOOKUP, RESERVE, COMMIT, REMOVE = "omap lookup", "omap reserve", "omap commit", "omap remove"


class Records:
    """An omap object like the driver's (namespace mooring of the metadata pool), of this run only."""

    def __init__(self, cluster, fs, prefix):
        ret, out, status = cluster.mon_command(json.dumps({"prefix": "fs ls", "format": "json"}), b"", timeout=60)
        if ret < 0:
            raise CommandError(-ret, "fs ls: %s" % status)
        pool = next(f["metadata_pool"] for f in json.loads(out) if f["name"] == fs)
        self.io = cluster.open_ioctx(pool)
        self.io.set_namespace("mooring")
        self.oid = "bench-raw." + prefix

    def run(self, step, name, value):
        keys = ("volume." + name, "reserved." + name, "archived." + name)
        if step == LOOKUP:
            with rados.ReadOpCtx() as op:
                it, _ = self.io.get_omap_vals_by_keys(op, keys)
                try:
                    self.io.operate_read_op(op, self.oid)
                    list(it)
                except rados.ObjectNotFound:
                    pass
            return
        with rados.WriteOpCtx() as op:
            op.new(rados.LIBRADOS_CREATE_IDEMPOTENT)
            if step == RESERVE:
                self.io.set_omap(op, (keys[1],), (value,))
            elif step == COMMIT:
                self.io.set_omap(op, (keys[0],), (value,))
                self.io.remove_omap_keys(op, (keys[1],))
            else:
                self.io.remove_omap_keys(op, keys)
            self.io.operate_write_op(op, self.oid)

    def close(self):
        try:
            self.io.remove_object(self.oid)
        except rados.ObjectNotFound:
            pass
        self.io.close()


def run(cluster, command):
    ret, out, status = cluster.mgr_command(json.dumps(command), b"", timeout=60)
    if ret < 0:
        raise CommandError(-ret, "%s: %s (errno %d)" % (command["prefix"], status.strip() or "failed", -ret))
    return out


class CommandError(RuntimeError):
    def __init__(self, errno, message):
        super().__init__(message)
        self.errno = errno


def sequence(cluster, records, commands, name, size):
    """Runs commands (mgr commands, or omap steps of records) for subvolume name."""
    value = json.dumps({"requestName": name, "capacityBytes": size, "path": "/volumes/x/" + name}).encode()
    for command in commands:
        if isinstance(command, str):
            records.run(command, name, value)
        else:
            run(cluster, dict(command, sub_name=name))


def phase(cluster, records, op, names, commands, concurrency, size):
    go = threading.Event()
    results = [None] * len(names)

    def one(i):
        go.wait()
        start = time.monotonic()
        try:
            sequence(cluster, records, commands, names[i], size)
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
