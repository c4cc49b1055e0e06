"""Contends for a lock path with kazoo's Lock and prints its critical sections.

usage: kazoo_lock.py HOSTS PATH ID ROUNDS HOLD_MS START_NS
(START_NS: when to begin, so that slow starters still contend)
prints `acquired ID NS` and `releasing ID NS` lines (NS: CLOCK_MONOTONIC nanoseconds, the clock
Node's process.hrtime and Java's System.nanoTime read on Linux), then `done ID`.
"""
import sys
import time

from kazoo.client import KazooClient


def main():
    hosts, path, ident, rounds, hold_ms = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    start_ns = int(sys.argv[6])
    zk = KazooClient(hosts=hosts, timeout=10.0)
    zk.start(timeout=15)
    time.sleep(max(0, start_ns - time.monotonic_ns()) / 1e9)
    try:
        for _ in range(rounds):
            lock = zk.Lock(path, identifier=ident)
            lock.acquire(timeout=30)
            print("acquired %s %d" % (ident, time.monotonic_ns()), flush=True)
            time.sleep(hold_ms / 1000.0)
            print("releasing %s %d" % (ident, time.monotonic_ns()), flush=True)
            lock.release()
        print("done %s" % ident, flush=True)
    finally:
        zk.stop()
        zk.close()


if __name__ == "__main__":
    main()
