"""Writes and reads trees through kazoo, for the Apache <-> zoo migration tests.

  kazoo_tree.py populate HOSTS BULK   a mix of node kinds, ACLs and data and BULK plain nodes;
                                      the last write is to /torn
  kazoo_tree.py hold HOSTS TIMEOUT [resume]
                                      an ephemeral /eph/e of a session that lives until killed
  kazoo_tree.py dump HOSTS OUT        every node (path, data, ACL, Stat) as JSON lines in OUT
"""
import json
import os
import struct
import sys
import time
from collections import namedtuple

from kazoo.client import KazooClient
from kazoo.protocol.serialization import Create2
from kazoo.retry import KazooRetry
from kazoo.security import ACL, Id, Permissions, make_digest_acl, OPEN_ACL_UNSAFE

AUTH = [("digest", "migrator:secret")]
BATCH = 1000


# kazoo 2.8 has no container or TTL creates: the same record as create2, other opcodes.
CONTAINER, PERSISTENT_WITH_TTL, PERSISTENT_SEQUENTIAL_WITH_TTL = 4, 5, 6


class CreateContainer(Create2):
    type = 19


class CreateTTL(namedtuple("CreateTTL", "path data acl flags ttl")):
    type = 21

    def serialize(self):
        body = Create2(self.path, self.data, self.acl, self.flags).serialize()
        return body + struct.pack("!q", self.ttl)

    deserialize = Create2.deserialize


def call(zk, request):
    result = zk.handler.async_result()
    zk._call(request, result)
    return result.get(timeout=30)


def connect(hosts, auth=True):
    client = KazooClient(hosts=hosts, timeout=10.0, auth_data=AUTH if auth else None)
    client.start(timeout=30)
    return client


def populate(hosts, bulk):
    zk = connect(hosts)
    digest_all = make_digest_acl("migrator", "secret", all=True)
    world_read = ACL(Permissions.READ, Id("world", "anyone"))
    ip_all = ACL(Permissions.ALL, Id("ip", "127.0.0.1"))
    zk.create("/mix", b"mix")
    zk.create("/mix/binary", bytes(range(256)) * 4)
    zk.create("/mix/empty", b"")
    for _ in range(3):
        zk.create("/mix/seq-", b"s", sequence=True)
    call(zk, CreateContainer("/mix/container", b"c", OPEN_ACL_UNSAFE, CONTAINER))
    zk.create("/mix/container/child", b"keeps the container")
    call(zk, CreateTTL("/mix/ttl", b"t", OPEN_ACL_UNSAFE, PERSISTENT_WITH_TTL, 3600000))
    call(zk, CreateTTL("/mix/ttlseq-", b"ts", OPEN_ACL_UNSAFE, PERSISTENT_SEQUENTIAL_WITH_TTL, 3600000))
    zk.create("/mix/digest", b"d", acl=[digest_all, world_read])
    zk.create("/mix/ip", b"i", acl=[ip_all])
    zk.create("/mix/changed", b"v0")
    for i in range(1, 5):
        zk.set("/mix/changed", b"v%d" % i)
    zk.set_acls("/mix/changed", [digest_all])
    zk.set_acls("/mix/changed", [digest_all, world_read])
    zk.create("/mix/churn", b"")
    # A quota as zkCli's setquota makes it: its usage is kept by every change below /mix/churn.
    zk.ensure_path("/zookeeper/quota/mix/churn")
    zk.create("/zookeeper/quota/mix/churn/zookeeper_limits", b"count=10,bytes=-1")
    zk.create("/zookeeper/quota/mix/churn/zookeeper_stats", b"count=0,bytes=0")
    for i in range(5):
        zk.create("/mix/churn/k%d" % i)
    for i in range(0, 5, 2):
        zk.delete("/mix/churn/k%d" % i)
    tx = zk.transaction()
    tx.create("/mix/multi", b"m")
    tx.check("/mix/changed", 4)
    tx.set_data("/mix/binary", b"\x00\xff\x00")
    tx.commit()
    path = "/deep"
    for level in range(40):
        path += "/level%02d" % level
    zk.ensure_path(path)
    zk.set(path, "bottom \u00e9\u4e2d".encode("utf-8"))
    zk.create("/bulk")
    groups = max(1, bulk // BATCH)
    for g in range(groups):
        zk.create("/bulk/g%03d" % g)
    pending = []
    for g in range(groups):
        tx = zk.transaction()
        for i in range(bulk // groups):
            tx.create("/bulk/g%03d/n%06d" % (g, i), b"value-%d" % i)
        pending.append(tx.commit_async())
        if len(pending) >= 16:
            for p in pending:
                p.get(timeout=60)
            pending = []
    for p in pending:
        p.get(timeout=60)
    zk.create("/torn", b"before")
    zk.set("/torn", b"after")
    # Leave the session open (no closeSession txn): the setData of /torn is the last record.
    sys.stdout.flush()
    os._exit(0)


def hold(hosts, timeout, resume):
    """An ephemeral /eph/e of a session kept alive until this process is killed. With `resume`,
    once the connection was lost and found again, the session creates the ephemeral /eph/after."""
    retry = KazooRetry(max_tries=-1, delay=0.2, backoff=1.5, max_delay=1.0)
    eph = KazooClient(hosts=hosts, timeout=timeout, connection_retry=retry)
    states = []
    eph.add_listener(lambda state: states.append(state) or print("state", state, flush=True))
    eph.start(timeout=30)
    eph.create("/eph")
    eph.create("/eph/e", b"ephemeral", ephemeral=True)
    print("ready session 0x%x" % eph.client_id[0], flush=True)
    created_after = False
    while True:
        time.sleep(0.2)
        if resume and not created_after and "SUSPENDED" in states and eph.state == "CONNECTED":
            eph.create("/eph/after", b"same session", ephemeral=True)
            created_after = True
            print("created /eph/after in session 0x%x" % eph.client_id[0], flush=True)


def dump(hosts, out):
    zk = connect(hosts)
    lines = []
    level = ["/"]
    while level:
        pending = [(p, zk.get_async(p), zk.get_acls_async(p)) for p in level]
        parents = []
        for path, data_result, acl_result in pending:
            data, stat = data_result.get(timeout=60)
            acls, _ = acl_result.get(timeout=60)
            if stat.numChildren > 0:
                parents.append(path)
            lines.append(json.dumps({
                "path": path,
                "data": None if data is None else data.hex(),
                "acl": sorted("%s:%s:%d" % (a.id.scheme, a.id.id, a.perms) for a in acls),
                "stat": [stat.czxid, stat.mzxid, stat.ctime, stat.mtime, stat.version, stat.cversion,
                         stat.aversion, stat.ephemeralOwner, stat.dataLength, stat.numChildren, stat.pzxid],
            }))
        children = [(p, zk.get_children_async(p)) for p in parents]
        level = []
        for parent, result in children:
            for child in result.get(timeout=60):
                level.append(("" if parent == "/" else parent) + "/" + child)
    zk.stop()
    with open(out, "w") as f:
        f.write("\n".join(sorted(lines)) + "\n")
    print(len(lines))


if __name__ == "__main__":
    if sys.argv[1] == "hold":
        hold(sys.argv[2], float(sys.argv[3]), sys.argv[4:] == ["resume"])
    elif sys.argv[1] == "populate":
        populate(sys.argv[2], int(sys.argv[3]))
    else:
        dump(sys.argv[2], sys.argv[3])
