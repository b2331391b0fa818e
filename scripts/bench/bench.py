#!/usr/bin/env python3
"""Driver of scripts/benchmark (see docs/BENCHMARKS.md). Python standard library plus boto3/moto.

Everything runs on 127.0.0.1: one moto server, the function under scripts/invoke-local (the real
Lambda Java runtime client), a trivial handler through the same harness, a raw-SDK floor program,
and a counting proxy in front of moto. Results go to stdout as markdown and to
target/bench/results.json. Every process started here is stopped in `finally` (and on SIGTERM/SIGINT).
"""

import argparse
import collections
import concurrent.futures
import datetime
import math
import http.client
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
import cloudtrail_event as cloudtrail  # noqa: E402  (shared with scripts/demo)
INVOKE = os.path.join(ROOT, "scripts", "invoke-local")
BENCH = os.path.join(ROOT, "target", "bench")
BUILT_TASK_ROOT = os.path.join(ROOT, "target", "lambda")
# A snapshot of target/lambda taken when the run starts (see prepare()): a build elsewhere in the tree
# during the run cannot change what is measured half-way.
TASK_ROOT = os.path.join(ROOT, "target", "bench", "function")
ACCOUNT = "123456789012"
REGION = "us-east-1"
REPLICA_REGION = "eu-west-1"
# The sweep's own region: it lists every key of its region, and the other sections' keys are in REGION.
SWEEP_REGION = "eu-north-1"
USER_ARN = "arn:aws:iam::%s:user/alice" % ACCOUNT
USER_IDENTITY = {"type": "IAMUser", "principalId": "AIDAEXAMPLEBENCH", "arn": USER_ARN, "accountId": ACCOUNT,
                 "userName": "alice"}
# What the template's default policy writes on a key created by USER_ARN.
COMPLIANT_TAGS = {"Owner": "alice", "CostCenter": "unassigned", "Environment": "dev", "CreatedBy": USER_ARN}

CHILDREN = []  # Popen objects to stop on the way out


def log(msg):
    sys.stderr.write("benchmark: %s\n" % msg)
    sys.stderr.flush()


# ---- statistics ------------------------------------------------------------------------------------
def pct(values, p):
    """Nearest-rank percentile."""
    v = sorted(values)
    if not v:
        return None
    k = max(0, min(len(v) - 1, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def stats(values):
    values = [x for x in values if x is not None]
    if not values:
        return {"n": 0}
    return {"n": len(values), "median": statistics.median(values), "p90": pct(values, 90),
            "min": min(values), "max": max(values)}


def fmt(x, digits=0):
    if x is None:
        return "-"
    return ("%." + str(digits) + "f") % x


# ---- processes -------------------------------------------------------------------------------------
def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(proc, grace=5.0):
    if proc is None or proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(grace)


def stop_children():
    for proc in reversed(CHILDREN):
        stop(proc)
    CHILDREN.clear()


def run_child(cmd, env, timeout=240):
    """Runs a child to completion (bounded), always stopping it; returns (process, stdout, stderr)."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                            env=env, text=True)
    CHILDREN.append(proc)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        stop(proc)
        CHILDREN.remove(proc)
    return proc, out, err


def start_moto():
    last = None
    for _ in range(3):
        port = free_port()
        logf = open(os.path.join(BENCH, "moto.log"), "w")
        proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        CHILDREN.append(proc)
        url = "http://127.0.0.1:%d" % port
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(url + "/moto-api/", timeout=2) as r:
                    if r.status == 200:
                        return url
            except OSError as e:
                last = e
            time.sleep(0.2)
        stop(proc)
    raise SystemExit("benchmark: moto did not start (%s); pip install 'moto[server]'" % last)


Request = collections.namedtuple("Request", "op region key t")


class CountingProxy:
    """HTTP proxy in front of moto that records each request: its KMS operation (X-Amz-Target), region (the
    signature's credential scope), KeyId (none for a listing) and arrival time (time.monotonic())."""

    def __init__(self, upstream):
        host, port = upstream.replace("http://", "").split(":")
        self.upstream = (host, int(port))
        self.requests = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # The headers and the body go out in two writes; with Nagle's algorithm the body waits for the
            # client's delayed ACK, about 40 ms a request: nothing for a count, most of a sweep's time.
            disable_nagle_algorithm = True

            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                arrived = time.monotonic()
                target = self.headers.get("X-Amz-Target", "")
                m = re.search(r"Credential=[^/]+/[^/]+/([^/]+)/", self.headers.get("Authorization", ""))
                try:
                    key = json.loads(body or b"{}").get("KeyId")
                except (ValueError, AttributeError):
                    key = None
                with proxy.lock:
                    proxy.requests.append(Request(target.split(".")[-1], m.group(1) if m else "?", key, arrived))
                conn = http.client.HTTPConnection(*proxy.upstream, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "content-length")}
                conn.request("POST", self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                self.send_response(resp.status)
                for k, v in resp.getheaders():
                    if k.lower() not in ("connection", "content-length", "transfer-encoding", "server", "date"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def take(self):
        with self.lock:
            out, self.requests = self.requests, []
        return out

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# ---- KMS keys and events ------------------------------------------------------------------------------
class Kms:
    def __init__(self, endpoint):
        import boto3  # installed with moto
        self.clients = {}
        self.endpoint = endpoint
        self.boto3 = boto3

    def client(self, region=REGION):
        if region not in self.clients:
            self.clients[region] = self.boto3.client("kms", endpoint_url=self.endpoint, region_name=region,
                                                     aws_access_key_id="testing", aws_secret_access_key="testing")
        return self.clients[region]

    def create_key(self, tags=None, multi_region=False):
        kwargs = {"Description": "benchmark"}
        if tags:
            kwargs["Tags"] = [{"TagKey": k, "TagValue": v} for k, v in tags.items()]
        if multi_region:
            kwargs["MultiRegion"] = True
        return self.client().create_key(**kwargs)["KeyMetadata"]

    def create_keys(self, region, tags_per_key, threads=6):
        """One key per entry, in `region`, on a few threads; their ARNs in the same order. ECC keys: moto 5.2.1
        makes an RSA-2048 private key for every other CreateKey (~100 ms of CPU each); to the sweep a key is a key."""
        client = self.client(region)  # boto3 clients are thread-safe; made once, here

        def create(tags):
            return client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description="benchmark sweep",
                                     Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])["KeyMetadata"]["Arn"]
        with concurrent.futures.ThreadPoolExecutor(threads) as pool:
            return list(pool.map(create, tags_per_key))

    def replicate_key(self, key_id):
        return self.client().replicate_key(KeyId=key_id, ReplicaRegion=REPLICA_REGION)["ReplicaKeyMetadata"]

    def tags(self, arn):
        region = arn.split(":")[3]
        return {t["TagKey"]: t["TagValue"] for t in self.client(region).list_resource_tags(KeyId=arn)["Tags"]}


def cloudtrail_event(metadata, event_name="CreateKey", drop_key_manager=False, key_state=None):
    """The EventBridge event CloudTrail delivers for a CreateKey/ReplicateKey that returned `metadata`."""
    meta = cloudtrail.key_metadata(metadata)
    if drop_key_manager:
        meta.pop("keyManager", None)
    if key_state:
        meta["keyState"] = key_state
    return cloudtrail.api_call_event(meta, account=ACCOUNT, region=REGION, event_name=event_name,
                                     replica_region=REPLICA_REGION, user_identity=USER_IDENTITY)


class EventFiles:
    def __init__(self, folder):
        self.folder = folder
        os.makedirs(folder, exist_ok=True)
        self.n = 0

    def write(self, event):
        self.n += 1
        path = os.path.join(self.folder, "event-%04d.json" % self.n)
        with open(path, "w") as f:
            json.dump(event, f)
        return path


# ---- the harness -----------------------------------------------------------------------------------------
class Harness:
    def __init__(self, endpoint, args):
        self.endpoint = endpoint
        self.args = args
        self.env_vars = os.path.join(BENCH, "env-vars.json")
        with open(self.env_vars, "w") as f:
            json.dump({"Parameters": {"ENFORCEMENT_MODE": "enforce"}}, f)
        self.trivial_template = os.path.join(BENCH, "template-trivial.yaml")
        self.trivial_root = os.path.join(BENCH, "trivial")
        self.runs = 0

    def env(self, endpoint=None, java_opts=None, extra=None):
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "KMS_ENFORCER_JAVA_OPTS"}
        env.update({"AWS_ENDPOINT_URL_KMS": endpoint or self.endpoint, "AWS_ACCESS_KEY_ID": "testing",
                    "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION,
                    "INVOKE_LOCAL_MAX_SECONDS": "180"})
        if java_opts:
            env["KMS_ENFORCER_JAVA_OPTS"] = java_opts
        env.update(extra or {})
        return env

    def invoke(self, events, trivial=False, snap=False, endpoint=None, task_root=None, template=None, java_opts=None,
               extra_env=None, check=True, function=None):
        """One scripts/invoke-local run (one JVM). Returns (report, stdout lines, stderr)."""
        self.runs += 1
        report = os.path.join(BENCH, "report-%d.json" % self.runs)
        cmd = [INVOKE, "--no-build", "--env-vars", self.env_vars, "--report", report]
        if trivial:
            cmd += ["--template", self.trivial_template, "--task-root", self.trivial_root]
        else:
            cmd += ["--task-root", task_root or TASK_ROOT]
            if template:
                cmd += ["--template", template]
        if function:
            cmd += ["--function", function]
        if snap:
            cmd.append("--snap-start")
        cmd += ["-e"] + list(events)
        proc, out, err = run_child(cmd, self.env(endpoint, java_opts, extra_env))
        try:
            with open(report) as f:
                rep = json.load(f)
            os.remove(report)
        except (OSError, ValueError):
            rep = None
        if check and (proc.returncode != 0 or rep is None):
            sys.stderr.write(err[-4000:])
            raise SystemExit("benchmark: invoke-local failed (exit %s): %s" % (proc.returncode, " ".join(cmd[:8])))
        return rep, out.splitlines(), err


def outcomes(lines):
    out = []
    for line in lines:
        try:
            out.append(json.loads(line).get("outcome"))
        except (ValueError, AttributeError):
            out.append(None)
    return out


# ---- sections --------------------------------------------------------------------------------------------
def cold_start(h, kms, files, n):
    """Alternating enforcer/trivial cold starts; first event = a real fresh key (REMEDIATED)."""
    keys = [kms.create_key() for _ in range(n + 1)]
    events = [files.write(cloudtrail_event(k)) for k in keys]
    # One unmeasured run of each first: page cache, JIT-less class data, moto's first request.
    h.invoke([events[-1]])
    h.invoke([events[-1]], trivial=True)
    enf, triv = [], []
    for i in range(n):
        order = (False, True) if i % 2 == 0 else (True, False)
        for trivial in order:
            rep, lines, _ = h.invoke([events[i]], trivial=trivial)
            if not trivial and outcomes(lines) != ["REMEDIATED"]:
                raise SystemExit("benchmark: cold start run %d: expected REMEDIATED, got %s" % (i, lines))
            (triv if trivial else enf).append(rep)
        log("cold start %d/%d: enforcer %.0f ms, trivial %.0f ms" % (
            i + 1, n, enf[-1]["runtimeStartToFirstResponseMs"], triv[-1]["runtimeStartToFirstResponseMs"]))
    return {"enforcer": enf, "trivial": triv}


def snap_start(h, kms, files, n):
    keys = [kms.create_key() for _ in range(n)]
    events = [files.write(cloudtrail_event(k)) for k in keys]
    enf, triv = [], []
    for i in range(n):
        for trivial in ((False, True) if i % 2 == 0 else (True, False)):
            rep, lines, _ = h.invoke([events[i]], trivial=trivial, snap=True)
            if not trivial and outcomes(lines) != ["REMEDIATED"]:
                raise SystemExit("benchmark: snap-start run %d: expected REMEDIATED, got %s" % (i, lines))
            (triv if trivial else enf).append(rep)
        log("snap-start %d/%d: enforcer restore->response %.0f ms" % (i + 1, n, enf[-1]["restoreToFirstResponseMs"]))
    return {"enforcer": enf, "trivial": triv}


def warm(h, kms, files, endpoint, events_n, warmup_pairs):
    """Warm per-event latency: the enforcer in one JVM, events alternating (fresh key, redelivery of
    that event), after warm-up pairs; the floor (the same KMS calls from a plain SDK program) the same
    way; run enforcer, floor, floor, enforcer (ABBA) so that a slow spell of the machine weighs on both."""
    pairs = warmup_pairs + events_n // 2
    skip = 2 * warmup_pairs
    enforcer = {"write": [], "read": [], "all": []}
    floor = {"write": [], "read": [], "all": []}
    peak = []
    last_paths = None

    def run_enforcer():
        nonlocal last_paths
        paths = []
        for k in [kms.create_key() for _ in range(pairs)]:
            path = files.write(cloudtrail_event(k))
            paths += [path, path]
        rep, lines, _ = h.invoke(paths)
        got = outcomes(lines)
        want = ["REMEDIATED", "COMPLIANT"] * pairs
        if got != want:
            bad = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            raise SystemExit("benchmark: warm run: event %d answered %s, expected %s" % (
                bad, got[bad:bad + 1], want[bad:bad + 1]))
        durations = [i["durationMs"] for i in rep["invocations"]][skip:]
        enforcer["write"] += durations[0::2]
        enforcer["read"] += durations[1::2]
        enforcer["all"] += durations
        peak.append(rep["maxMemoryUsedMB"])
        last_paths = paths

    java = shutil.which("java") if not os.environ.get("JAVA_HOME") else os.path.join(os.environ["JAVA_HOME"], "bin", "java")

    def run_floor():
        lines_file = os.path.join(BENCH, "floor-events.txt")
        with open(lines_file, "w") as f:
            for arn in [kms.create_key()["Arn"] for _ in range(pairs)]:
                f.write("%s write\n%s read\n" % (arn, arn))
        cmd = [java, "-XX:MaxHeapSize=%dk" % (h.memory_size * 1024 * 85 // 100), "-XX:+UseSerialGC",
               "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-Djava.net.preferIPv4Stack=true",
               "-cp", os.path.join(BENCH, "floor") + ":" + os.path.join(TASK_ROOT, "lib", "*"),
               "bench.RawSdkCalls", endpoint, REGION, lines_file, str(skip)]
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        proc, out, err = run_child(cmd, env)
        if proc.returncode != 0:
            sys.stderr.write(err[-3000:])
            raise SystemExit("benchmark: the floor program failed")
        for line in out.splitlines():
            kind, micros = line.split()
            floor[kind].append(int(micros) / 1000.0)
            floor["all"].append(int(micros) / 1000.0)

    for step in (run_enforcer, run_floor, run_floor, run_enforcer):
        step()
        log("warm: %s done" % step.__name__[4:])
    # the harness alone: the same events through the trivial handler
    rep_t, _, _ = h.invoke(last_paths, trivial=True)
    trivial = [i["durationMs"] for i in rep_t["invocations"]][skip:]
    enforcer["maxMemoryUsedMB"] = max(peak)
    return {"enforcer": enforcer, "floor": floor, "trivial": trivial, "events": events_n, "warmup": skip, "jvms": 2}


def counted_event(h, files, proxy, name, event, expect, extra_env=None):
    """One invoke-local run (one cold JVM) of one event through the counting proxy: its outcome must be
    `expect`; returns the KMS requests the run made."""
    path = files.write(event)
    proxy.take()
    _, lines, _ = h.invoke([path], endpoint=proxy.url, extra_env=extra_env)
    got = outcomes(lines)[0]
    requests = proxy.take()
    if got != expect:
        raise SystemExit("benchmark: scenario %s answered %s, expected %s" % (name, got, expect))
    return requests


def counted_sweep(h, proxy, region, rate, extra_env=None):
    """One SweepFunction invocation (the scheduled event) over the keys of `region` through the counting
    proxy. Returns (report, response, sweep-summary line or None, stderr, requests)."""
    proxy.take()
    # AWS_ENDPOINT_URL_LAMBDA: a closed port, so that a sweep that wanted to continue could never reach AWS.
    rep, lines, err = h.invoke([os.path.join(ROOT, "events", "scheduled-sweep.json")], endpoint=proxy.url,
                               function="SweepFunction",
                               extra_env=dict({"AWS_REGION": region, "SWEEP_WRITES_PER_SECOND": str(rate),
                                               "AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:9"}, **(extra_env or {})))
    requests = proxy.take()
    summary = next((json.loads(l) for l in err.splitlines() if l.startswith("{") and '"sweep-summary"' in l), None)
    return rep, json.loads(lines[0]), summary, err, requests


def kms_calls(h, kms, files, proxy):
    """One invoke-local run per scenario through the counting proxy; returns the requests of each."""
    noncompliant_tags = {"owner": "alice", "tmp:build": "123", "CostCenter": "12ab"}
    scenarios = []

    def run(name, event, expect):
        requests = counted_event(h, files, proxy, name, event, expect)
        scenarios.append({"scenario": name, "outcome": expect, "requests": requests})
        return event

    compliant = kms.create_key(tags=COMPLIANT_TAGS)
    run("compliant key (created with the policy's tags)", cloudtrail_event(compliant), "COMPLIANT")
    untagged = kms.create_key()
    run("non-compliant: untagged key (4 tags to add)", cloudtrail_event(untagged), "REMEDIATED")
    bad = kms.create_key(tags=noncompliant_tags)
    event = run("non-compliant: wrong-case, forbidden, invalid tags", cloudtrail_event(bad), "REMEDIATED")
    run("redelivery of that event", event, "COMPLIANT")
    primary = kms.create_key(multi_region=True)
    h.invoke([files.write(cloudtrail_event(primary))], endpoint=proxy.url)  # the primary's own CreateKey
    proxy.take()
    replica = kms.replicate_key(primary["KeyId"])
    run("replica (ReplicateKey event, tags in %s)" % REPLICA_REGION,
        cloudtrail_event(replica, "ReplicateKey", key_state="Creating"), "REMEDIATED")
    nokm = kms.create_key()
    run("event without keyManager (untagged key)", cloudtrail_event(nokm, drop_key_manager=True), "REMEDIATED")
    for s in scenarios:
        ops = {}
        for r in s["requests"]:
            ops[r.op] = ops.get(r.op, 0) + 1
        s["ops"] = ops
        s["regions"] = sorted({r.region for r in s["requests"]})
    return scenarios


# Scoped rules (docs/POLICY.md "Scoped rules"): the packaged policy plus one scope of each kind, each matching
# every key of the section and requiring SCOPE_TAG, which those keys hold.
SCOPES_REGION = "eu-central-1"  # the section's sweep keys; its event keys are in REGION
SCOPE_TAG = {"Team": "platform"}
SCOPE_KINDS = [("no scopes", None), ("tags", {"tags": {"Environment": ["dev"]}}),
               ("keyUsage", {"keyUsage": ["SIGN_VERIFY"]}), ("alias", {"alias": ["alias/bench/*"]})]
SCOPE_OPS = ("ListResourceTags", "DescribeKey", "ListAliases", "TagResource", "UntagResource")
SCOPE_SCENARIOS = ("CreateKey event, compliant key", "drift event (TagResource), compliant key",
                   "drift event (TagResource), key needing a change", "sweep, per key")


def scope_policy(kind, match):
    with open(os.path.join(ROOT, "tag-policy.json")) as f:
        policy = json.load(f)
    policy.pop("$schema", None)
    if match:
        policy["scopes"] = [{"name": "bench-" + kind, "match": match,
                             "required": {k: {"value": v} for k, v in SCOPE_TAG.items()}}]
    return json.dumps(policy)


def scope_floor(kind, scenario):
    """The KMS calls per key docs/POLICY.md promises: an attribute scope costs a DescribeKey for a key its event
    record does not describe (drift, sweep), an alias scope a ListAliases for the key on the event paths only;
    a key needing a change is described once before it is changed, whatever the scopes."""
    attribute, alias = int(kind == "keyUsage"), int(kind == "alias")
    floor = {"ListResourceTags": 1}
    if scenario == SCOPE_SCENARIOS[0]:
        floor.update(ListAliases=alias)
    elif scenario == SCOPE_SCENARIOS[1]:
        floor.update(DescribeKey=attribute, ListAliases=alias)
    elif scenario == SCOPE_SCENARIOS[2]:
        floor.update(DescribeKey=1, ListAliases=alias, UntagResource=1)
    else:
        floor.update(DescribeKey=attribute)
    return {op: n for op, n in floor.items() if n}


def key_id(key):
    """A KeyId as sent (id or ARN) -> the key's id."""
    return key.rsplit("/", 1)[-1] if key else None


def scopes(h, kms, files, proxy, keys_n, rate):
    """For each kind of scope, the KMS calls per key of a CreateKey event, of drift events (a compliant key and
    one with a forbidden tag), and of one sweep over keys_n compliant keys; fails if any differs from the floor."""
    compliant = dict(COMPLIANT_TAGS, **SCOPE_TAG)
    # Signing keys (keyUsage SIGN_VERIFY), each with an alias/bench/... alias, in both regions.
    sweep_arns = kms.create_keys(SCOPES_REGION, [compliant] * keys_n)
    for i, arn in enumerate(sweep_arns):
        kms.client(SCOPES_REGION).create_alias(AliasName="alias/bench/sweep-%d" % i, TargetKeyId=arn)
    aliases = len(kms.client(SCOPES_REGION).list_aliases()["Aliases"])  # moto's alias/aws/* and ours, one page
    sweep_listings = {"ListKeys": max(1, math.ceil(keys_n / 1000.0)), "ListAliases": max(1, math.ceil(aliases / 100.0))}
    rows = []

    def record(kind, scenario, requests, per, listings, **extra):
        by_key = collections.Counter((key_id(r.key), r.op) for r in requests if r.key)
        ops = collections.Counter(op for _, op in by_key.elements())
        row = dict({"kind": kind, "scenario": scenario, "perKey": {op: n / float(per) for op, n in ops.items()},
                    "listings": dict(collections.Counter(r.op for r in requests if not r.key))}, **extra)
        floor = scope_floor(kind, scenario)
        keys = {k for k, _ in by_key}
        if row["listings"] != listings or len(keys) != per or any(by_key[(k, op)] != floor.get(op, 0) for k in keys for op in set(ops) | set(floor)):
            raise SystemExit("benchmark: scopes %r, %s: %s per key (listings %s), expected %s (listings %s)" % (
                kind, scenario, row["perKey"], row["listings"], floor, listings))
        rows.append(row)

    for n, (kind, match) in enumerate(SCOPE_KINDS):
        env = {"TAG_POLICY": scope_policy(kind, match)}
        arns = kms.create_keys(REGION, [compliant, compliant, dict(compliant, **{"tmp:build": "1"})])
        for i, arn in enumerate(arns):
            kms.client().create_alias(AliasName="alias/bench/event-%d-%d" % (n, i), TargetKeyId=arn)
        created = cloudtrail_event(kms.client().describe_key(KeyId=arns[0])["KeyMetadata"])
        drift = [cloudtrail.tag_change_event(arn, account=ACCOUNT, region=REGION, user_identity=USER_IDENTITY, tags=tags)
                 for arn, tags in ((arns[1], SCOPE_TAG), (arns[2], {"tmp:build": "1"}))]
        for scenario, event, expect in zip(SCOPE_SCENARIOS, [created] + drift, ("COMPLIANT", "COMPLIANT", "REMEDIATED")):
            record(kind, scenario, counted_event(h, files, proxy, scenario, event, expect, env), 1, {})
        rep, response, summary, err, requests = counted_sweep(h, proxy, SCOPES_REGION, rate, env)
        check_sweep(response, summary, err, keys_n, 0)
        record(kind, SCOPE_SCENARIOS[3], requests, keys_n, sweep_listings, durationMs=rep["invocations"][0]["durationMs"])
        log("scopes: %s done" % kind)
    return {"keys": keys_n, "rows": rows}


def check_sweep(response, summary, err, keys_n, fixes):
    """Fails loudly unless the sweep completed over keys_n keys and remediated exactly `fixes` of them."""
    totals = response.get("totals") or {}
    if not response.get("complete") or summary is None or totals.get("keysSeen") != keys_n \
            or totals.get("remediated") != fixes or totals.get("compliant") != keys_n - fixes:
        sys.stderr.write(err[-4000:])
        raise SystemExit("benchmark: the sweep did not go as planned (%d keys, %d to fix): %s" % (
            keys_n, fixes, json.dumps(response)[:600]))


def peak_in_any_second(times):
    """The most of these times (seconds, sorted) within any half-open one-second window."""
    peak, start = 0, 0
    for end in range(len(times)):
        while times[end] - times[start] >= 1.0:
            start += 1
        peak = max(peak, end - start + 1)
    return peak


def sweep(h, kms, proxy, keys_n, rate):
    """One SweepFunction invocation (invoke-local --function SweepFunction, the scheduled event) over keys_n
    keys of their own region, mostly compliant; through the counting proxy. Throughput, KMS calls per key
    against the floor, and the write rate held against SWEEP_WRITES_PER_SECOND."""
    # Only the creator's tags (the creation record's to give: a key minutes old never gets "unknown"
    # for them from the sweep, docs/POLICY.md): DescribeKey + one TagResource (2 tags)
    n_missing = max(1, keys_n * 6 // 100)
    n_forbidden = max(1, keys_n * 4 // 100)  # the policy's tags and tmp:build: DescribeKey + one UntagResource
    kinds = ["compliant"] * (keys_n - n_missing - n_forbidden) + ["missing"] * n_missing + ["forbidden"] * n_forbidden
    random.Random(7).shuffle(kinds)
    creator_only = {key: COMPLIANT_TAGS[key] for key in ("Owner", "CreatedBy")}
    tags = {"compliant": COMPLIANT_TAGS, "missing": creator_only, "forbidden": dict(COMPLIANT_TAGS, **{"tmp:build": "7"})}
    started = time.time()
    arns = kms.create_keys(SWEEP_REGION, [tags[k] for k in kinds])
    created_s = time.time() - started
    kind_of = dict(zip(arns, kinds))
    aliases = len(kms.client(SWEEP_REGION).list_aliases()["Aliases"])  # moto's own alias/aws/* ones, one page
    log("sweep: %d keys created in %.1f s; sweeping at %s writes/s" % (keys_n, created_s, rate))
    def run_once(fixes):
        rep, response, summary, err, requests = counted_sweep(h, proxy, SWEEP_REGION, rate)
        check_sweep(response, summary, err, keys_n, fixes)
        log("sweep: %d keys in %.0f ms, %d remediated" % (keys_n, rep["invocations"][0]["durationMs"], fixes))
        return rep, summary, requests

    rep, summary, requests = run_once(n_missing + n_forbidden)
    unfixed = [a for a in arns if kind_of[a] != "compliant"
               and not (set(COMPLIANT_TAGS) <= set(kms.tags(a)) and "tmp:build" not in kms.tags(a))]
    if unfixed:
        raise SystemExit("benchmark: the sweep left %d keys non-compliant" % len(unfixed))
    # The same keys again, all compliant now: what a daily sweep costs once the region is in order.
    rep_again, _, requests_again = run_once(0)

    ops = collections.Counter(r.op for r in requests)
    by_kind = collections.Counter((kind_of.get(r.key), r.op) for r in requests if r.key)
    writes = sorted(r.t for r in requests if r.op in ("TagResource", "UntagResource"))
    gaps = [(b - a) * 1000 for a, b in zip(writes, writes[1:])]
    duration_ms = rep["invocations"][0]["durationMs"]
    return {
        "keys": keys_n, "compliant": kinds.count("compliant"), "missing": n_missing, "forbidden": n_forbidden,
        "rate": rate, "createdSeconds": round(created_s, 1), "durationMs": duration_ms,
        "sweepDurationMs": summary["durationMs"], "keysPerSecond": keys_n / (duration_ms / 1000.0),
        "ops": dict(ops), "byKind": {"%s %s" % k: v for k, v in by_kind.items()},
        "floor": {"ListResourceTags": keys_n, "DescribeKey": n_missing + n_forbidden, "TagResource": n_missing,
                  "UntagResource": n_forbidden, "ListKeys": max(1, math.ceil(keys_n / 1000.0)),
                  "ListAliases": max(1, math.ceil(aliases / 100.0))},
        "writes": len(writes), "pacingFloorSeconds": (len(writes) - 1) / float(rate) if writes else 0.0,
        "peakWritesInAnySecond": peak_in_any_second(writes), "summaryPeakWritesPerSecond": summary["peakWritesPerSecond"],
        "writeRateAtEnd": summary["writeRateAtEnd"], "gapMs": stats(gaps),
        "regions": sorted({r.region for r in requests}), "maxMemoryUsedMB": rep["maxMemoryUsedMB"],
        "again": {"durationMs": rep_again["invocations"][0]["durationMs"],
                  "keysPerSecond": keys_n / (rep_again["invocations"][0]["durationMs"] / 1000.0),
                  "ops": dict(collections.Counter(r.op for r in requests_again)),
                  "maxMemoryUsedMB": rep_again["maxMemoryUsedMB"]},
    }


# The organisation sweep (--only org-sweep): accounts on moto, each with keys in a region of the section's own.
ORG_SERIAL_REGION = "ap-southeast-2"
ORG_FANNED_REGION = "ca-central-1"
ORG_MEMBER_ROLE = "kms-tag-enforcer-member"


def account_kms(endpoint, account, region):
    """A KMS client acting in `account` (moto: a session from AssumeRole acts in the role's account)."""
    import boto3
    if account == ACCOUNT:
        return boto3.client("kms", endpoint_url=endpoint, region_name=region, aws_access_key_id="testing",
                            aws_secret_access_key="testing")
    sts = boto3.client("sts", endpoint_url=endpoint, region_name=region, aws_access_key_id="testing",
                       aws_secret_access_key="testing")
    c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/KeyAdmins" % account, RoleSessionName="alice")["Credentials"]
    return boto3.client("kms", endpoint_url=endpoint, region_name=region, aws_access_key_id=c["AccessKeyId"],
                        aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])


def org_fleet(endpoint, accounts, keys_n, region):
    """keys_n keys in each account in `region`, a quarter with only their creator's tags (one TagResource each), shuffled;
    returns {arn: kind}."""
    creator_only = {key: COMPLIANT_TAGS[key] for key in ("Owner", "CreatedBy")}
    kinds = {}
    for n, account in enumerate(accounts):
        client = account_kms(endpoint, account, region)
        plan = ["missing"] * (keys_n // 4) + ["compliant"] * (keys_n - keys_n // 4)
        random.Random(n).shuffle(plan)

        def create(kind):
            tags = creator_only if kind == "missing" else COMPLIANT_TAGS
            return client.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY", Description="benchmark org sweep",
                                     Tags=[{"TagKey": k, "TagValue": v} for k, v in tags.items()])["KeyMetadata"]["Arn"]
        with concurrent.futures.ThreadPoolExecutor(6) as pool:
            for arn, kind in zip(pool.map(create, plan), plan):
                kinds[arn] = kind
    return kinds


def org_sweep_once(endpoint, proxy, accounts, region, rate, concurrency):
    """One scheduled sweep over `accounts` in `region` (scripts/bench/OrgSweepBench: the function's handler in one JVM,
    account invocations on threads), through the counting proxy. Returns (wall ms, log lines, requests)."""
    proxy.take()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ENDPOINT_URL_KMS": proxy.url, "AWS_ENDPOINT_URL_STS": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": region, "LAMBDA_TASK_ROOT": TASK_ROOT,
                "AWS_LAMBDA_FUNCTION_NAME": "bench-SweepFunction", "ENFORCEMENT_MODE": "enforce",
                "ENFORCER_ACCOUNT_ID": ACCOUNT, "MEMBER_ROLE_NAME": ORG_MEMBER_ROLE,
                "MEMBER_ACCOUNT_IDS": ",".join(a for a in accounts if a != ACCOUNT),
                "SWEEP_WRITES_PER_SECOND": str(rate), "SWEEP_CONCURRENCY": str(concurrency)})
    java = shutil.which("java") if not os.environ.get("JAVA_HOME") else os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    cmd = [java, "-XX:+TieredCompilation", "-XX:TieredStopAtLevel=1",
           "-cp", os.pathsep.join([os.path.join(BENCH, "orgsweep"), TASK_ROOT, os.path.join(TASK_ROOT, "lib", "*")]),
           "bench.OrgSweepBench"]
    proc, out, err = run_child(cmd, env, timeout=900)
    requests = proxy.take()
    result = next((json.loads(l[len("RESULT "):]) for l in out.splitlines() if l.startswith("RESULT ")), None)
    if proc.returncode != 0 or result is None or not result["complete"]:
        sys.stderr.write(err[-4000:] + out[-4000:])
        raise SystemExit("benchmark: the org sweep (SWEEP_CONCURRENCY=%d) did not complete" % concurrency)
    lines = [json.loads(l) for l in out.splitlines() if l.startswith("{")]
    return result["wallMs"], lines, requests


def org_sweep(endpoint, proxy, accounts_n, keys_n, rate):
    """The same organisation swept serially (SWEEP_CONCURRENCY 1: one chain, account after account) and fanned out
    (SWEEP_CONCURRENCY accounts + 1: every account at once, each at its own pace): wall time, keys/s, the peak writes
    per second of each account (the pacer's own count, and at the proxy), and KMS calls per key against the floor."""
    accounts = [ACCOUNT] + ["%012d" % (210000000000 + i) for i in range(1, accounts_n)]
    runs = []
    for label, region, concurrency in (("serial", ORG_SERIAL_REGION, 1), ("fanned out", ORG_FANNED_REGION, accounts_n + 1)):
        kinds = org_fleet(endpoint, accounts, keys_n, region)
        log("org-sweep: %d accounts x %d keys in %s; sweeping %s (SWEEP_CONCURRENCY=%d) at %s writes/s" % (
            accounts_n, keys_n, region, label, concurrency, rate))
        wall_ms, lines, requests = org_sweep_once(endpoint, proxy, accounts, region, rate, concurrency)
        fixed = [a for a, k in kinds.items() if k == "missing"]
        unfixed = [a for a in fixed if not set(COMPLIANT_TAGS) <= set(
            t["TagKey"] for t in account_kms(endpoint, a.split(":")[4], region).list_resource_tags(KeyId=a)["Tags"])]
        if unfixed:
            raise SystemExit("benchmark: the %s org sweep left %d keys non-compliant" % (label, len(unfixed)))
        ops = collections.Counter(r.op for r in requests)
        writes_by_account = collections.defaultdict(list)
        for r in requests:
            if r.op in ("TagResource", "UntagResource") and r.key and r.key.startswith("arn:"):
                writes_by_account[r.key.split(":")[4]].append(r.t)
        summaries = [l for l in lines if l.get("type") == "sweep-summary"]
        pacer_peak = {}
        for summary in summaries:
            account = summary.get("account", "all (one chain)")
            pacer_peak[account] = max(pacer_peak.get(account, 0), summary["peakWritesPerSecond"])
        roll_up = next((l for l in lines if l.get("type") == "sweep-run"), None)
        keys = len(kinds)
        runs.append({
            "mode": label, "concurrency": concurrency, "accounts": accounts_n, "keysPerAccount": keys_n, "keys": keys,
            "toFix": len(fixed), "rate": rate, "wallMs": wall_ms, "keysPerSecond": keys / (wall_ms / 1000.0),
            "ops": dict(ops), "callsPerKey": {op: n / float(keys) for op, n in ops.items()},
            "peakAtProxyByAccount": {a: peak_in_any_second(sorted(t)) for a, t in sorted(writes_by_account.items())},
            "gapMsAtProxy": stats([(b - a) * 1000 for t in writes_by_account.values() for a, b in zip(sorted(t), sorted(t)[1:])]),
            "pacerPeak": pacer_peak, "accountInvocations": len(summaries),
            "rollUp": None if roll_up is None else {"accounts": roll_up["accounts"], "durationMs": roll_up["durationMs"]},
            "pacingFloorPerAccountSeconds": (keys_n // 4 - 1) / float(rate),
        })
        log("org-sweep %s: %d keys in %d ms (%.1f keys/s)" % (label, keys, wall_ms, runs[-1]["keysPerSecond"]))
    return {"runs": runs}


def package_size():
    """Zip target/lambda as `sam build` + deploy package it (classes at the root, lib/*.jar)."""
    out = os.path.join(BENCH, "function.zip")
    total = 0
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for folder, dirs, names in os.walk(TASK_ROOT):
            dirs.sort()
            for name in sorted(names):
                path = os.path.join(folder, name)
                z.write(path, os.path.relpath(path, TASK_ROOT))
                total += os.path.getsize(path)
    lib = os.path.join(TASK_ROOT, "lib")
    jars = sorted(((os.path.getsize(os.path.join(lib, j)), j) for j in os.listdir(lib) if j.endswith(".jar")), reverse=True)
    return {"zipBytes": os.path.getsize(out), "unzippedBytes": total, "jars": len(jars),
            "largest": [{"jar": j, "bytes": b} for b, j in jars[:5]]}


def machine():
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "?")
    except OSError:
        pass
    java = shutil.which("java") if not os.environ.get("JAVA_HOME") else os.path.join(os.environ["JAVA_HOME"], "bin", "java")
    jv = subprocess.run([java, "-version"], capture_output=True, text=True).stderr.splitlines()
    return {"nproc": os.cpu_count(), "cpu": cpu, "java": jv[1].strip() if len(jv) > 1 else (jv[0] if jv else "?"),
            "kernel": platform.release(), "python": platform.python_version(),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


# ---- report ---------------------------------------------------------------------------------------------
def markdown(res):
    out = []
    m = res["machine"]
    out.append("Machine: %s cores, %s; %s; %s. Memory size %d MB (the template's), JVM flags as Lambda's java21." % (
        m["nproc"], m["cpu"], m["java"], m["date"], res["memorySize"]))
    out.append("")
    if "cold" in res:
        c = res["cold"]
        e = stats([r["runtimeStartToFirstResponseMs"] for r in c["enforcer"]])
        t = stats([r["runtimeStartToFirstResponseMs"] for r in c["trivial"]])
        ei = stats([r["initDurationMs"] for r in c["enforcer"]])
        ti = stats([r["initDurationMs"] for r in c["trivial"]])
        ed = stats([r["invocations"][0]["durationMs"] for r in c["enforcer"]])
        td = stats([r["invocations"][0]["durationMs"] for r in c["trivial"]])
        out.append("**(a) Cold start**, process start to first response, %d alternating runs each (ms):" % e["n"])
        out.append("")
        out.append("| handler | median | p90 | min | max | init (median) | first invoke (median) |")
        out.append("|---|---:|---:|---:|---:|---:|---:|")
        out.append("| enforcer (real CreateKey event, moto) | %s | %s | %s | %s | %s | %s |" % (
            fmt(e["median"]), fmt(e["p90"]), fmt(e["min"]), fmt(e["max"]), fmt(ei["median"]), fmt(ed["median"])))
        out.append("| trivial (copies input to output) | %s | %s | %s | %s | %s | %s |" % (
            fmt(t["median"]), fmt(t["p90"]), fmt(t["min"]), fmt(t["max"]), fmt(ti["median"]), fmt(td["median"])))
        pairs = [a["runtimeStartToFirstResponseMs"] / b["runtimeStartToFirstResponseMs"]
                 for a, b in zip(c["enforcer"], c["trivial"])]
        out.append("| **ratio enforcer / trivial** | **%s** | %s | %s | %s | | |" % (
            fmt(e["median"] / t["median"], 2), fmt(e["p90"] / t["p90"], 2), fmt(min(pairs), 2), fmt(max(pairs), 2)))
        out.append("")
        out.append("Ratio row: median / median and p90 / p90; min and max of the per-pair ratios (each enforcer run "
                   "and the trivial run next to it). Median of the per-pair ratios: %s. Target: at most 1.6." % fmt(
                       statistics.median(pairs), 2))
        out.append("")
    if "snap" in res:
        s = res["snap"]
        out.append("**SnapStart lifecycle** (`--snap-start`, %d runs each; no real snapshot: restore = the same live JVM) (ms):" % len(s["enforcer"]))
        out.append("")
        out.append("| handler | init + beforeCheckpoint (median) | restore -> first response (median) | p90 |")
        out.append("|---|---:|---:|---:|")
        for name in ("enforcer", "trivial"):
            i = stats([r["initDurationMs"] for r in s[name]])
            r = stats([r["restoreToFirstResponseMs"] for r in s[name]])
            out.append("| %s | %s | %s | %s |" % (name, fmt(i["median"]), fmt(r["median"]), fmt(r["p90"])))
        out.append("")
        if "cold" in res:
            r = stats([x["restoreToFirstResponseMs"] for x in s["enforcer"]])["median"]
            t = stats([x["runtimeStartToFirstResponseMs"] for x in res["cold"]["trivial"]])["median"]
            out.append("Enforcer restore -> first response / trivial on-demand cold start: **%s** (what a SnapStart "
                       "invocation adds after Lambda has loaded the snapshot, against the runtime's own cold start)."
                       % fmt(r / t, 2))
            out.append("")
    if "warm" in res:
        w = res["warm"]
        out.append("**(b) Warm per-event latency**: %d events after %d warm-up events in one JVM, twice for each of "
                   "the enforcer and the floor (order enforcer, floor, floor, enforcer), samples pooled (ms):" % (
                       w["events"], w["warmup"]))
        out.append("")
        out.append("| what | events | median | p90 | max |")
        out.append("|---|---|---:|---:|---:|")
        for label, key in (("fresh key: ListResourceTags + TagResource", "write"),
                           ("redelivery (compliant): ListResourceTags", "read"), ("all", "all")):
            e = stats(w["enforcer"][key])
            f = stats(w["floor"][key])
            out.append("| enforcer, %s | %d | %s | %s | %s |" % (label, e["n"], fmt(e["median"], 1), fmt(e["p90"], 1), fmt(e["max"], 1)))
            out.append("| floor: raw SDK calls, %s | %d | %s | %s | %s |" % (label, f["n"], fmt(f["median"], 1), fmt(f["p90"], 1), fmt(f["max"], 1)))
        t = stats(w["trivial"])
        out.append("| trivial handler (the harness's own round trip) | %d | %s | %s | %s |" % (t["n"], fmt(t["median"], 1), fmt(t["p90"], 1), fmt(t["max"], 1)))
        out.append("")
    if "calls" in res:
        out.append("**(c) KMS calls per scenario** (requests reaching moto, counted by a proxy; one cold JVM per scenario):")
        out.append("")
        out.append("| scenario | outcome | DescribeKey | ListResourceTags | TagResource | UntagResource | total | region |")
        out.append("|---|---|---:|---:|---:|---:|---:|---|")
        for s in res["calls"]:
            o = s["ops"]
            out.append("| %s | %s | %d | %d | %d | %d | %d | %s |" % (
                s["scenario"], s["outcome"], o.get("DescribeKey", 0), o.get("ListResourceTags", 0),
                o.get("TagResource", 0), o.get("UntagResource", 0), len(s["requests"]), ", ".join(s["regions"]) or "-"))
        out.append("")
    if "scopes" in res:
        c = res["scopes"]
        out.append("**(c2) KMS calls per key with scoped rules**: the packaged policy plus one scope of each kind "
                   "(`TAG_POLICY`), matching every key and requiring `%s`; one cold JVM per event; the sweep over %d "
                   "compliant keys, its listings (whole sweep) apart. Every count equals its floor (checked):" % (
                       "`, `".join(SCOPE_TAG), c["keys"]))
        out.append("")
        out.append("| scope matches on | scenario | %s | listings | sweep duration |" % " | ".join(SCOPE_OPS))
        out.append("|---|---|%s---|---:|" % ("---:|" * len(SCOPE_OPS)))
        for r in c["rows"]:
            out.append("| %s | %s | %s | %s | %s |" % (
                r["kind"], r["scenario"], " | ".join("%g" % r["perKey"].get(op, 0) for op in SCOPE_OPS),
                ", ".join("%s %d" % kv for kv in sorted(r["listings"].items())) or "-",
                "%s ms" % fmt(r["durationMs"]) if "durationMs" in r else ""))
        out.append("")
    rss = res.get("rss")
    if rss:
        out.append("**(d) Peak RSS** of the function's JVM (VmHWM, MB; Lambda's Max Memory Used):")
        out.append("")
        out.append("| run | peak RSS (median) |")
        out.append("|---|---:|")
        for k, v in rss.items():
            out.append("| %s | %s |" % (k, fmt(v)))
        out.append("")
    if "package" in res:
        p = res["package"]
        out.append("**(e) Deployment package** (target/lambda zipped as sam does: classes + lib/, %d jars): "
                   "**%s bytes (%.2f MB)** zipped, %s bytes unzipped. Largest jars:" % (
                       p["jars"], format(p["zipBytes"], ","), p["zipBytes"] / 1e6, format(p["unzippedBytes"], ",")))
        out.append("")
        out.append("| jar | bytes |")
        out.append("|---|---:|")
        for j in p["largest"]:
            out.append("| %s | %s |" % (j["jar"], format(j["bytes"], ",")))
        out.append("")
    if "sweep" in res:
        w = res["sweep"]
        out.append("**(f) Sweep**: one SweepFunction invocation (`invoke-local --function SweepFunction`, "
                   "`events/scheduled-sweep.json`) over %d keys of one region (%d compliant, %d without tags, %d with a "
                   "forbidden tag), `SWEEP_WRITES_PER_SECOND`=%s, through the counting proxy:" % (
                       w["keys"], w["compliant"], w["missing"], w["forbidden"], w["rate"]))
        out.append("")
        a = w["again"]
        out.append("| measure | first sweep: %d keys to fix | the same keys again, all compliant |" % (w["missing"] + w["forbidden"]))
        out.append("|---|---:|---:|")
        out.append("| invocation duration (REPORT) | %s ms | %s ms |" % (fmt(w["durationMs"]), fmt(a["durationMs"])))
        out.append("| **throughput** | **%s keys/s** | **%s keys/s** |" % (fmt(w["keysPerSecond"], 1), fmt(a["keysPerSecond"], 1)))
        out.append("| writes (TagResource + UntagResource) | %d | %d |" % (
            w["writes"], a["ops"].get("TagResource", 0) + a["ops"].get("UntagResource", 0)))
        out.append("| pacing floor: (writes - 1) / rate | %s s | 0 s |" % fmt(w["pacingFloorSeconds"], 1))
        out.append("| peak memory (VmHWM) | %s MB | %s MB |" % (fmt(w["maxMemoryUsedMB"]), fmt(a["maxMemoryUsedMB"])))
        out.append("")
        out.append("KMS calls against the floor (what the sweep cannot do without):")
        out.append("")
        out.append("| calls | first sweep | per key | floor | again |")
        out.append("|---|---:|---:|---|---:|")
        o, k, fl, ao = w["ops"], w["byKind"], w["floor"], a["ops"]
        fixed = w["missing"] + w["forbidden"]
        described_fixed = o.get("DescribeKey", 0) - k.get("compliant DescribeKey", 0)
        rows = [
            ("ListResourceTags", o.get("ListResourceTags", 0), o.get("ListResourceTags", 0) / float(w["keys"]),
             "%d: one per key" % fl["ListResourceTags"], ao.get("ListResourceTags", 0)),
            ("DescribeKey on compliant keys", k.get("compliant DescribeKey", 0),
             k.get("compliant DescribeKey", 0) / float(w["compliant"]), "0", ao.get("DescribeKey", 0)),
            ("DescribeKey on keys that need changes", described_fixed, described_fixed / float(fixed),
             "%d: one per such key" % fl["DescribeKey"], None),
            ("TagResource", o.get("TagResource", 0), None, "%d: one per key missing its non-creator tags" % fl["TagResource"],
             ao.get("TagResource", 0)),
            ("UntagResource", o.get("UntagResource", 0), None, "%d: one per key with a forbidden tag" % fl["UntagResource"],
             ao.get("UntagResource", 0)),
            ("ListKeys", o.get("ListKeys", 0), None, "%d: one per page of up to 1000 keys" % fl["ListKeys"], ao.get("ListKeys", 0)),
            ("ListAliases", o.get("ListAliases", 0), None, "%d: one per page of up to 100 aliases" % fl["ListAliases"],
             ao.get("ListAliases", 0)),
        ]
        for name, measured, per_key, floor_text, again in rows:
            out.append("| %s | %d | %s | %s | %s |" % (name, measured, "" if per_key is None else fmt(per_key, 2), floor_text,
                                                       "" if again is None else again))
        out.append("")
        g = w["gapMs"]
        out.append("Write rate against `SWEEP_WRITES_PER_SECOND`=%s (interval %s ms):" % (w["rate"], fmt(1000.0 / w["rate"])))
        out.append("")
        out.append("| measure | value |")
        out.append("|---|---:|")
        out.append("| peak writes in any 1 s window, at the proxy | %d |" % w["peakWritesInAnySecond"])
        out.append("| the summary's `peakWritesPerSecond` | %d |" % w["summaryPeakWritesPerSecond"])
        out.append("| gap between writes at the proxy: min / median / max | %s / %s / %s ms |" % (
            fmt(g.get("min"), 1), fmt(g.get("median"), 1), fmt(g.get("max"), 1)))
        out.append("| the summary's `writeRateAtEnd` | %s |" % w["writeRateAtEnd"])
        out.append("")
    if "org-sweep" in res:
        runs = res["org-sweep"]["runs"]
        r0 = runs[0]
        out.append("**(g) Organisation sweep**: %d accounts x %d keys (a quarter with only their creator's tags: "
                   "DescribeKey + one TagResource each) on moto, `SWEEP_WRITES_PER_SECOND`=%s, swept serially and fanned out "
                   "(scripts/bench/OrgSweepBench: the function's handler, KMS clients and member sessions in one JVM; a run's "
                   "account invocations on threads, as warm containers), through the counting proxy:" % (
                       r0["accounts"], r0["keysPerAccount"], r0["rate"]))
        out.append("")
        out.append("| measure | %s |" % " | ".join("%s (SWEEP_CONCURRENCY=%d)" % (r["mode"], r["concurrency"]) for r in runs))
        out.append("|---|%s" % ("---:|" * len(runs)))
        out.append("| wall time | %s |" % " | ".join("%s ms" % fmt(r["wallMs"]) for r in runs))
        out.append("| **throughput** | %s |" % " | ".join("**%s keys/s**" % fmt(r["keysPerSecond"], 1) for r in runs))
        out.append("| pacing floor of one account: (writes - 1) / rate | %s |" % " | ".join(
            "%s s" % fmt(r["pacingFloorPerAccountSeconds"], 1) for r in runs))
        out.append("| account invocations (summaries) | %s |" % " | ".join(str(r["accountInvocations"]) for r in runs))
        out.append("| peak writes/s of any account: pacer's own count | %s |" % " | ".join(
            str(max(r["pacerPeak"].values())) for r in runs))
        out.append("| peak writes/s of any account: at the proxy | %s |" % " | ".join(
            str(max(r["peakAtProxyByAccount"].values())) for r in runs))
        out.append("| gap between one account's writes at the proxy: min / median | %s |" % " | ".join(
            "%s / %s ms" % (fmt(r["gapMsAtProxy"].get("min"), 1), fmt(r["gapMsAtProxy"].get("median"), 1)) for r in runs))
        for op in ("ListResourceTags", "DescribeKey", "TagResource", "UntagResource", "ListKeys", "ListAliases"):
            out.append("| %s per key | %s |" % (op, " | ".join(fmt(r["callsPerKey"].get(op, 0), 3) for r in runs)))
        out.append("")
    return "\n".join(out)


def prepare(args):
    """The trivial handler's task root and template, and the floor program (javac, no Maven)."""
    os.makedirs(BENCH, exist_ok=True)
    shutil.rmtree(TASK_ROOT, ignore_errors=True)
    shutil.copytree(BUILT_TASK_ROOT, TASK_ROOT)
    lib = os.path.join(TASK_ROOT, "lib")
    core = [j for j in os.listdir(lib) if re.match(r"(com\.amazonaws\.)?aws-lambda-java-core-", j)]  # named groupId.artifactId-version.jar since the Makefile layout
    if len(core) != 1:
        raise SystemExit("benchmark: expected one aws-lambda-java-core jar in target/lambda/lib")
    trivial = os.path.join(BENCH, "trivial")
    shutil.rmtree(trivial, ignore_errors=True)
    os.makedirs(os.path.join(trivial, "lib"))
    shutil.copy(os.path.join(lib, core[0]), os.path.join(trivial, "lib"))
    src = os.path.join(ROOT, "scripts", "bench")
    javac = shutil.which("javac") if not os.environ.get("JAVA_HOME") else os.path.join(os.environ["JAVA_HOME"], "bin", "javac")
    subprocess.run([javac, "--release", "17", "-cp", os.path.join(lib, core[0]), "-d", trivial,
                    os.path.join(src, "TrivialHandler.java")], check=True)
    org = os.path.join(BENCH, "orgsweep")
    shutil.rmtree(org, ignore_errors=True)
    subprocess.run([javac, "--release", "17", "-cp", os.pathsep.join([TASK_ROOT, os.path.join(lib, "*")]), "-d", org,
                    os.path.join(src, "OrgSweepBench.java")], check=True)
    floor = os.path.join(BENCH, "floor")
    shutil.rmtree(floor, ignore_errors=True)
    subprocess.run([javac, "--release", "17", "-cp", os.path.join(lib, "*"), "-d", floor,
                    os.path.join(src, "RawSdkCalls.java")], check=True)
    # the template with only the handler swapped (JSON is YAML, and invoke-local reads either)
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def tag(loader, suffix, node):
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {suffix if suffix in ("Ref", "Condition") else "Fn::" + suffix: value}
    Loader.add_multi_constructor("!", tag)
    with open(os.path.join(ROOT, "template.yaml")) as f:
        template = yaml.load(f, Loader=Loader)
    fn = template["Resources"]["TagEnforcerFunction"]["Properties"]
    fn["Handler"] = "bench.TrivialHandler::handleRequest"
    with open(os.path.join(BENCH, "template-trivial.yaml"), "w") as f:
        json.dump(template, f, indent=1, default=str)
    memory = fn.get("MemorySize") or (template.get("Globals", {}).get("Function", {}).get("MemorySize")) or 128
    return int(memory)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15, help="cold starts of each handler (alternating)")
    ap.add_argument("--snap-runs", type=int, default=5, help="SnapStart-lifecycle runs of each handler")
    ap.add_argument("--events", type=int, default=200, help="warm events measured in one JVM (even)")
    ap.add_argument("--warmup", type=int, default=10, help="warm-up (fresh, redelivery) pairs before them")
    ap.add_argument("--sweep-keys", type=int, default=500, help="keys the sweep section sweeps")
    ap.add_argument("--sweep-rate", type=float, default=5.0, help="SWEEP_WRITES_PER_SECOND of the sweep section (0.1 to 5)")
    ap.add_argument("--scope-keys", type=int, default=36, help="keys the scopes section sweeps")
    ap.add_argument("--org-accounts", type=int, default=6, help="accounts of the org-sweep section (at least 5)")
    ap.add_argument("--org-keys", type=int, default=40, help="keys per account of the org-sweep section (at least 40)")
    ap.add_argument("--org-rate", type=float, default=2.0, help="SWEEP_WRITES_PER_SECOND of the org-sweep section (the default)")
    ap.add_argument("--only", default="cold,snap,warm,calls,scopes,sweep,package",
                    help="comma-separated sections: cold,snap,warm,calls,scopes,sweep,package,org-sweep (not in the default list)")
    ap.add_argument("--json", default=os.path.join(BENCH, "results.json"))
    args = ap.parse_args()
    sections = set(args.only.split(","))

    def on_signal(signum, _frame):
        raise SystemExit("benchmark: stopped by signal %d" % signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGHUP, on_signal)

    started = time.time()
    res = {"machine": machine()}
    proxy = None
    files = None
    try:
        res["memorySize"] = prepare(args)
        endpoint = start_moto()
        log("moto on %s" % endpoint)
        kms = Kms(endpoint)
        h = Harness(endpoint, args)
        h.memory_size = res["memorySize"]
        files = EventFiles(tempfile.mkdtemp(prefix="events-", dir=BENCH))
        rss = {}
        if "cold" in sections:
            res["cold"] = cold_start(h, kms, files, args.runs)
            rss["enforcer, cold start (1 event)"] = statistics.median(r["maxMemoryUsedMB"] for r in res["cold"]["enforcer"])
            rss["trivial, cold start (1 event)"] = statistics.median(r["maxMemoryUsedMB"] for r in res["cold"]["trivial"])
        if "snap" in sections and args.snap_runs > 0:
            res["snap"] = snap_start(h, kms, files, args.snap_runs)
            rss["enforcer, --snap-start (priming + 1 event)"] = statistics.median(r["maxMemoryUsedMB"] for r in res["snap"]["enforcer"])
        if "warm" in sections:
            res["warm"] = warm(h, kms, files, endpoint, args.events, args.warmup)
            rss["enforcer, after %d warm events" % (args.events + 2 * args.warmup)] = res["warm"]["enforcer"]["maxMemoryUsedMB"]
        if sections & {"calls", "scopes", "sweep", "org-sweep"}:
            proxy = CountingProxy(endpoint)
        if "calls" in sections:
            res["calls"] = kms_calls(h, kms, files, proxy)
        if "scopes" in sections:
            res["scopes"] = scopes(h, kms, files, proxy, args.scope_keys, args.sweep_rate)
        if "sweep" in sections:
            res["sweep"] = sweep(h, kms, proxy, args.sweep_keys, args.sweep_rate)
        if "org-sweep" in sections:
            res["org-sweep"] = org_sweep(endpoint, proxy, args.org_accounts, args.org_keys, args.org_rate)
        if rss:
            res["rss"] = rss
        if "package" in sections:
            res["package"] = package_size()
        res["seconds"] = round(time.time() - started, 1)
        with open(args.json, "w") as f:
            json.dump(res, f, indent=1)
        text = markdown(res)
        with open(os.path.join(BENCH, "results.md"), "w") as f:
            f.write(text + "\n")
        print(text)
        log("done in %.0f s; raw results in %s" % (res["seconds"], os.path.relpath(args.json, ROOT)))
    finally:
        if proxy:
            proxy.close()
        stop_children()
        if files:
            shutil.rmtree(files.folder, ignore_errors=True)


if __name__ == "__main__":
    main()
