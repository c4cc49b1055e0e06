"""kazoo's ChildrenWatch on a group path, for bench/membership.bench.ts: W watchers (one
KazooClient each) that report, on CLOCK_MONOTONIC (time.monotonic_ns, as Node's
process.hrtime.bigint), when each first sees TARGET children and when each sees a child go.

usage: kazoo_children_watch.py HOSTS PATH WATCHERS TARGET
stdout: {"ready": W} once every watch is set; then
        full <watcher> <ns>     (the watcher lists TARGET or more children for the first time)
        gone <watcher> <name> <ns>
stdin:  any line (or EOF) stops it.
"""
import sys
import threading
import time

from kazoo.client import KazooClient

hosts, path, watchers, target = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
out = threading.Lock()


def say(line):
    with out:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def watcher(index, client):
    state = {"previous": None, "full": False}

    def on_children(children):
        now = time.monotonic_ns()
        current = set(children)
        if state["previous"] is not None:
            for name in state["previous"] - current:
                say("gone %d %s %d" % (index, name, now))
        state["previous"] = current
        if not state["full"] and len(current) >= target:
            state["full"] = True
            say("full %d %d" % (index, now))

    client.ensure_path(path)
    client.ChildrenWatch(path, on_children)


clients = []
for i in range(watchers):
    client = KazooClient(hosts=hosts, timeout=30.0)
    client.start(timeout=60)
    clients.append(client)
    watcher(i, client)
say('{"ready": %d}' % watchers)
sys.stdin.readline()
for client in clients:
    client.stop()
    client.close()
