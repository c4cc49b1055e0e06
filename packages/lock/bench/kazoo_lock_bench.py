"""kazoo's Lock measured the way bench/lock.bench.ts measures ours; prints one JSON line with the
raw measurements (the caller pools runs and takes percentiles).

usage: kazoo_lock_bench.py HOSTS UNCONTENDED_SECONDS HANDOFFS WAITERS[,WAITERS...] TAG
"""
import json
import sys
import threading
import time

from kazoo.client import KazooClient

CLIENTS = 10
HOLD_S = 0.002


def uncontended(zk, path, seconds):
    lock = zk.Lock(path, identifier="u")
    count = 0
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        lock.acquire()
        lock.release()
        count += 1
    return {"count": count, "seconds": time.monotonic() - start}


def handoff(clients, waiters, handoffs, path):
    # The first waiters + 1 handoffs (every contender's first turn) measure the join burst: not sampled.
    state = {"last_release": None, "seen": 0, "samples": [], "stop": False}
    guard = threading.Lock()
    skip = waiters + 1

    def contender(i):
        lock = clients[i % len(clients)].Lock(path, identifier="c%d" % i)
        while not state["stop"]:
            lock.acquire()
            now = time.monotonic_ns()
            with guard:
                if state["last_release"] is not None:
                    state["seen"] += 1
                    if state["seen"] > skip:
                        state["samples"].append((now - state["last_release"]) / 1e6)
                if len(state["samples"]) >= handoffs:
                    state["stop"] = True
            time.sleep(HOLD_S)
            with guard:
                state["last_release"] = time.monotonic_ns()
            lock.release()

    threads = [threading.Thread(target=contender, args=(i,), daemon=True) for i in range(waiters + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return state["samples"]


def main():
    hosts, seconds, handoffs = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    waiter_counts = [int(w) for w in sys.argv[4].split(",")]
    tag = sys.argv[5]
    clients = []
    for _ in range(CLIENTS):
        zk = KazooClient(hosts=hosts, timeout=10.0)
        zk.start(timeout=15)
        clients.append(zk)
    result = {"uncontended": uncontended(clients[0], "/bench/kazoo-uncontended-%s" % tag, seconds), "handoffMs": []}
    for waiters in waiter_counts:
        result["handoffMs"].append(handoff(clients, waiters, handoffs, "/bench/kazoo-handoff-%d-%s" % (waiters, tag)))
    print(json.dumps(result), flush=True)
    for zk in clients:
        zk.stop()
        zk.close()


if __name__ == "__main__":
    main()
