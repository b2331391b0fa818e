#!/usr/bin/env python3
"""scripts/benchmark --candidates: what would make the enforcer's cold start cheaper, measured.

Each candidate is a variant of the function run through the same harness as the baseline, cold,
with a real fresh-key CreateKey event against moto. Variants are run in rotating order, --runs
times each, so that machine noise falls on all of them alike. Kinds of variant:

  * code:    a small edit of src/main on a copy of the project in $TMPDIR (src/ here is never
             touched), built with Maven offline; the edit is described in the table. An edit
             whose anchor text no longer exists (the source moved on) is skipped with a note.
  * package: target/lambda re-laid out (one jar, or no jars).
  * jvm:     extra JVM flags (in Lambda: JAVA_TOOL_OPTIONS), through KMS_ENFORCER_JAVA_OPTS.
  * env:     extra environment variables.
  * handler: another handler in the same harness (the trivial one; an SDK-free measuring stick).

SnapStart candidates are measured as restore -> first response under --snap-start.
Output: a markdown table on stdout, target/bench/candidates.json.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile

sys.dont_write_bytecode = True  # no __pycache__ in scripts/bench
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402

ROOT, BENCH, TASK_ROOT = bench.ROOT, bench.BENCH, bench.TASK_ROOT
CLIENTS = "src/main/java/io/kmstagenforcer/kms/LambdaKmsClients.java"
HANDLER = "src/main/java/io/kmstagenforcer/TagEnforcerHandler.java"
PRIMING = "src/main/java/io/kmstagenforcer/SnapStartPriming.java"
KEYS = "src/main/java/io/kmstagenforcer/kms/KmsKeys.java"


# ---- code edits (applied to a copy) --------------------------------------------------------------------
class Skip(Exception):
    pass


def replace(copy, path, old, new):
    full = os.path.join(copy, path)
    with open(full) as f:
        text = f.read()
    if text.count(old) != 1:
        raise Skip("%s: anchor not found (the source changed): %s" % (path, old.strip().splitlines()[0][:80]))
    with open(full, "w") as f:
        f.write(text.replace(old, new))


def edit_static_endpoint(copy):
    replace(copy, CLIENTS, """    private LambdaKmsClients() {
""", """    /** KMS's regional endpoint without the SDK's rules engine; AWS_ENDPOINT_URL(_KMS) still wins. */
    private static final software.amazon.awssdk.services.kms.endpoints.KmsEndpointProvider STATIC_ENDPOINTS = params ->
            java.util.concurrent.CompletableFuture.completedFuture(software.amazon.awssdk.endpoints.Endpoint.builder()
                    .url(java.net.URI.create(params.endpoint() != null ? params.endpoint()
                            : "https://kms." + params.region().id() + ".amazonaws.com"))
                    .build());

    private LambdaKmsClients() {
""")
    replace(copy, CLIENTS, """                .region(Region.of(region))
                .httpClient(httpClient)
""", """                .region(Region.of(region))
                .endpointProvider(STATIC_ENDPOINTS)
                .httpClient(httpClient)
""")


def edit_credentials_once(copy):
    replace(copy, CLIENTS, """        AwsCredentialsProvider credentials = AwsCredentialsProviderChain.builder()
                .reuseLastProviderEnabled(false)
                .credentialsProviders(EnvironmentVariableCredentialsProvider.create(), ContainerCredentialsProvider.builder().build())
                .build();
""", """        AwsCredentialsProvider credentials = System.getenv("AWS_ACCESS_KEY_ID") != null
                ? EnvironmentVariableCredentialsProvider.create()
                : ContainerCredentialsProvider.builder().build();
""")


def edit_empty_profile(copy):
    replace(copy, CLIENTS, """                .overrideConfiguration(o -> o.apiCallTimeout(API_CALL_TIMEOUT));
""", """                .overrideConfiguration(o -> o.apiCallTimeout(API_CALL_TIMEOUT)
                        .defaultProfileFileSupplier(EMPTY_PROFILES).defaultProfileName("default"));
""")
    replace(copy, CLIENTS, """    private LambdaKmsClients() {
""", """    private static final software.amazon.awssdk.profiles.ProfileFile EMPTY = software.amazon.awssdk.profiles.ProfileFile.builder()
            .content(java.io.InputStream.nullInputStream()).type(software.amazon.awssdk.profiles.ProfileFile.Type.CONFIGURATION).build();
    private static final java.util.function.Supplier<software.amazon.awssdk.profiles.ProfileFile> EMPTY_PROFILES = () -> EMPTY;

    private LambdaKmsClients() {
""")


def edit_eager_client(copy):
    """Build the function's own region's client in the constructor (before a SnapStart snapshot)."""
    replace(copy, KEYS, """    private KmsClient client(KeyArn key) {""", """    /** Builds (and caches) the client of a region ahead of the first event. */
    public void warm(String region) {
        clientsByRegion.computeIfAbsent(region, factory::create);
    }

    private KmsClient client(KeyArn key) {""")
    replace(copy, HANDLER, """        this.enforcer = new TagEnforcer(settings.policy(), new KmsKeys(clients), notFoundRetry, clock);
""", """        KmsKeys keys = new KmsKeys(clients);
        keys.warm(settings.region().orElse("us-east-1"));
        this.enforcer = new TagEnforcer(settings.policy(), keys, notFoundRetry, clock);
""")


AMAZON_ROOTS = ["Amazon_Root_CA_1.pem", "Amazon_Root_CA_2.pem", "Amazon_Root_CA_3.pem", "Amazon_Root_CA_4.pem",
                "Starfield_Services_Root_Certificate_Authority_-_G2.pem"]


def edit_amazon_trust_roots(copy):
    """Trust only the roots KMS's certificates chain to (Amazon Trust Services), not the JDK's ~140."""
    pems = []
    for name in AMAZON_ROOTS:
        path = os.path.join("/etc/ssl/certs", name)
        if not os.path.exists(path):
            raise Skip("no %s on this machine" % path)
        with open(path) as f:
            pems.append(f.read())
    resources = os.path.join(copy, "src", "main", "resources")
    os.makedirs(resources, exist_ok=True)
    with open(os.path.join(resources, "amazon-roots.pem"), "w") as f:
        f.write("".join(pems))
    replace(copy, CLIENTS, """        return UrlConnectionHttpClient.builder()
""", """        return UrlConnectionHttpClient.builder()
                .tlsTrustManagersProvider(LambdaKmsClients::amazonRoots)
""")
    replace(copy, CLIENTS, """    private static void ignoreStop(Runnable call) {""", """    private static javax.net.ssl.TrustManager[] amazonRoots() {
        try (java.io.InputStream in = LambdaKmsClients.class.getResourceAsStream("/amazon-roots.pem")) {
            java.security.KeyStore store = java.security.KeyStore.getInstance(java.security.KeyStore.getDefaultType());
            store.load(null, null);
            int i = 0;
            for (java.security.cert.Certificate c : java.security.cert.CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("root" + i++, c);
            }
            javax.net.ssl.TrustManagerFactory factory = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            return factory.getTrustManagers();
        } catch (java.io.IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void ignoreStop(Runnable call) {""")


EDITS = {"amazon-trust-roots": edit_amazon_trust_roots, "static-endpoint": edit_static_endpoint, "credentials-once": edit_credentials_once,
         "empty-profile": edit_empty_profile, "eager-client": edit_eager_client}


def build_copy(name, edits, workdir):
    copy = os.path.join(workdir, name)
    shutil.rmtree(copy, ignore_errors=True)
    os.makedirs(copy)
    for item in ("pom.xml", "src", "template.yaml"):
        src = os.path.join(ROOT, item)
        if os.path.isdir(src):
            shutil.copytree(src, os.path.join(copy, item), ignore=shutil.ignore_patterns("test"))
        elif os.path.exists(src):
            shutil.copy(src, copy)
    for e in edits:
        EDITS[e](copy)
    bench.log("building candidate %s (mvn -o)" % name)
    r = subprocess.run(["mvn", "-o", "-B", "-q", "-Dmaven.test.skip=true", "package"], cwd=copy,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise Skip("build failed: " + (r.stdout + r.stderr).strip().splitlines()[-1][:200] if (r.stdout + r.stderr).strip() else "build failed")
    return os.path.join(copy, "target", "lambda")


# ---- package layouts --------------------------------------------------------------------------------------
def one_jar(workdir):
    dest = os.path.join(workdir, "one-jar")
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(TASK_ROOT, dest, ignore=shutil.ignore_patterns("lib"))
    os.makedirs(os.path.join(dest, "lib"))
    seen = set()
    with zipfile.ZipFile(os.path.join(dest, "lib", "function-deps.jar"), "w", zipfile.ZIP_DEFLATED) as out:
        lib = os.path.join(TASK_ROOT, "lib")
        for jar in sorted(os.listdir(lib)):
            with zipfile.ZipFile(os.path.join(lib, jar)) as z:
                for info in z.infolist():
                    if info.filename in seen or info.filename.upper().startswith("META-INF/MANIFEST"):
                        continue
                    seen.add(info.filename)
                    out.writestr(info, z.read(info.filename))
    return dest


def exploded(workdir, source=None, name="exploded"):
    source = source or TASK_ROOT
    dest = os.path.join(workdir, name)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("lib"))
    lib = os.path.join(source, "lib")
    for jar in sorted(os.listdir(lib)):
        with zipfile.ZipFile(os.path.join(lib, jar)) as z:
            for info in z.infolist():
                target = os.path.join(dest, info.filename)
                if info.is_dir() or os.path.exists(target) or info.filename.upper().startswith("META-INF/MANIFEST"):
                    continue
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as f:
                    f.write(z.read(info.filename))
    return dest


def no_sdk_root(workdir):
    dest = os.path.join(workdir, "no-sdk")
    shutil.rmtree(dest, ignore_errors=True)
    os.makedirs(os.path.join(dest, "lib"))
    lib = os.path.join(TASK_ROOT, "lib")
    core = next(j for j in os.listdir(lib) if j.startswith("aws-lambda-java-core-"))
    shutil.copy(os.path.join(lib, core), os.path.join(dest, "lib"))
    javac = shutil.which("javac")
    subprocess.run([javac, "--release", "17", "-cp", os.path.join(lib, core), "-d", dest,
                    os.path.join(ROOT, "scripts", "bench", "NoSdkHandler.java")], check=True)
    template = os.path.join(BENCH, "template-no-sdk.yaml")
    with open(os.path.join(BENCH, "template-trivial.yaml")) as f:
        t = json.load(f)
    t["Resources"]["TagEnforcerFunction"]["Properties"]["Handler"] = "bench.NoSdkHandler::handleRequest"
    with open(template, "w") as f:
        json.dump(t, f, indent=1)
    return dest, template


# ---- running -------------------------------------------------------------------------------------------------
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--snap-runs", type=int, default=8)
    ap.add_argument("--profile-runs", type=int, default=5, help="class-load profiles of the baseline (0: none)")
    ap.add_argument("--only", default="", help="comma-separated candidate names (default: all)")
    args = ap.parse_args()

    def on_signal(signum, _frame):
        raise SystemExit("candidates: stopped by signal %d" % signum)
    import signal
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    started = time.time()
    workdir = os.path.join(tempfile.gettempdir(), "kms-tag-enforcer-candidates")
    os.makedirs(workdir, exist_ok=True)
    results = {"machine": bench.machine(), "runs": args.runs, "cold": [], "snap": [], "skipped": []}
    files = None
    try:
        memory = bench.prepare(None)
        endpoint = bench.start_moto()
        kms = bench.Kms(endpoint)
        h = bench.Harness(endpoint, None)
        h.memory_size = memory
        files = bench.EventFiles(tempfile.mkdtemp(prefix="events-", dir=BENCH))

        # name -> (kind, description, invoke kwargs); built lazily so that --only builds only what it needs
        def code(*edits):
            return lambda: {"task_root": build_copy("+".join(edits), edits, workdir)}
        cold = [
            ("baseline", "baseline", "target/lambda as built", lambda: {}),
            ("trivial", "handler", "TrivialHandler: copies input to output", lambda: {"trivial": True}),
            ("no-sdk", "handler", "NoSdkHandler: the same 2 KMS calls, HttpURLConnection + hand SigV4, no SDK (measuring stick)",
             lambda: dict(zip(("task_root", "template"), no_sdk_root(workdir)))),
            ("no-sdk-no-tls", "handler", "the same, without building the default SSLContext (what TLS set-up costs)",
             lambda: dict(zip(("task_root", "template"), no_sdk_root(workdir)), java_opts="-Dbench.noTls=true")),
            ("amazon-trust-roots", "code", "UrlConnectionHttpClient trusts the 5 Amazon Trust Services roots, not the JDK's cacerts",
             code("amazon-trust-roots")),
            ("static-endpoint", "code", "KmsClientBuilder.endpointProvider(static https://kms.REGION.amazonaws.com) instead of the rules engine",
             code("static-endpoint")),
            ("credentials-once", "code", "EnvironmentVariableCredentialsProvider or ContainerCredentialsProvider picked once, no chain",
             code("credentials-once")),
            ("empty-profile", "code", "overrideConfiguration: defaultProfileFileSupplier(empty) (no ~/.aws lookup)",
             code("empty-profile")),
            ("env-no-profile-files", "env", "AWS_CONFIG_FILE/AWS_SHARED_CREDENTIALS_FILE=/nonexistent (template Environment)",
             lambda: {"extra_env": {"AWS_CONFIG_FILE": "/nonexistent", "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent"}}),
            ("code-combined", "code", "static-endpoint + credentials-once + empty-profile",
             code("static-endpoint", "credentials-once", "empty-profile")),
            ("one-jar", "package", "lib/ merged into one jar (e.g. maven-shade)", lambda: {"task_root": one_jar(workdir)}),
            ("exploded", "package", "all classes unpacked at the task root, no lib/", lambda: {"task_root": exploded(workdir)}),
            ("no-verify", "jvm", "JAVA_TOOL_OPTIONS=-XX:+UnlockDiagnosticVMOptions -XX:-BytecodeVerificationRemote (no bytecode verification)",
             lambda: {"java_opts": "-XX:+UnlockDiagnosticVMOptions -XX:-BytecodeVerificationRemote"}),
            ("appcds", "jvm", "AppCDS archive of a training run (-XX:SharedArchiveFile; must match the exact JVM build)",
             lambda: {"java_opts": "-XX:SharedArchiveFile=" + train_appcds(h, kms, files)}),
            ("exploded+trust-roots+no-verify", "combined", "the three that paid, together",
             lambda: {"task_root": exploded(workdir, code("amazon-trust-roots")()["task_root"], "exploded-trust-roots"),
                      "java_opts": "-XX:+UnlockDiagnosticVMOptions -XX:-BytecodeVerificationRemote"}),
            ("exploded+trust-roots", "combined", "the two that need no JVM flag, together",
             lambda: {"task_root": exploded(workdir, code("amazon-trust-roots")()["task_root"], "exploded-trust-roots")}),
            ("tiered-c2", "jvm", "JAVA_TOOL_OPTIONS=-XX:TieredStopAtLevel=4 (drop Lambda's C1-only default; informational)",
             lambda: {"java_opts": "-XX:TieredStopAtLevel=4"}),
        ]
        snap = [
            ("baseline", "baseline", "target/lambda as built, --snap-start", lambda: {"snap": True}),
            ("eager-client", "code", "the home region's KmsClient built in the constructor (so inside the snapshot)",
             lambda: {"snap": True, **code("eager-client")()}),
        ]
        only = set(filter(None, args.only.split(",")))

        def prepare_variants(table):
            ready = []
            for name, kind, desc, make in table:
                if only and name not in only and name != "baseline" and name != "trivial":
                    continue
                try:
                    ready.append((name, kind, desc, make()))
                except Skip as e:
                    bench.log("candidate %s skipped: %s" % (name, e))
                    results["skipped"].append({"name": name, "why": str(e)})
            return ready

        def measure(ready, runs, metric, label):
            samples = {name: [] for name, _, _, _ in ready}
            keys = [kms.create_key() for _ in range(runs * len(ready) + len(ready))]
            k = 0
            for name, _, _, kw in ready:  # one unmeasured run each
                h.invoke([files.write(bench.cloudtrail_event(keys[k]))], **kw)
                k += 1
            for i in range(runs):
                order = ready[i % len(ready):] + ready[:i % len(ready)]
                for name, _, _, kw in order:
                    rep, lines, _ = h.invoke([files.write(bench.cloudtrail_event(keys[k]))], **kw)
                    k += 1
                    got = bench.outcomes(lines)
                    if name not in ("trivial",) and got != ["REMEDIATED"]:
                        raise SystemExit("candidates: %s answered %s" % (name, lines))
                    samples[name].append(rep[metric])
                bench.log("%s round %d/%d" % (label, i + 1, runs))
            base = statistics.median(samples["baseline"])
            out = []
            for name, kind, desc, _ in ready:
                s = bench.stats(samples[name])
                # Paired: the difference to the baseline run of the same round (run moments apart), so
                # that slow and fast spells of the machine cancel out.
                paired = statistics.median(v - b for v, b in zip(samples[name], samples["baseline"]))
                out.append({"name": name, "kind": kind, "what": desc, "median": s["median"], "p90": s["p90"],
                            "min": s["min"], "max": s["max"], "n": s["n"], "deltaMs": s["median"] - base,
                            "pairedDeltaMs": paired, "pairedDeltaPct": 100.0 * paired / base,
                            "samples": samples[name]})
            return out

        if args.profile_runs > 0:
            results["profile"] = profile(h, kms, files, args.profile_runs)
            results["json"] = json_costs(h, kms, files, args.profile_runs)
        cold_ready = prepare_variants(cold)
        results["cold"] = measure(cold_ready, args.runs, "runtimeStartToFirstResponseMs", "cold")
        if args.snap_runs > 0:
            snap_ready = prepare_variants(snap)
            if len(snap_ready) > 1:
                results["snap"] = measure(snap_ready, args.snap_runs, "restoreToFirstResponseMs", "snap-start")
        results["seconds"] = round(time.time() - started, 1)
        with open(os.path.join(BENCH, "candidates.json"), "w") as f:
            json.dump(results, f, indent=1)
        text = markdown(results)
        with open(os.path.join(BENCH, "candidates.md"), "w") as f:
            f.write(text + "\n")
        print(text)
        bench.log("done in %.0f s" % results["seconds"])
    finally:
        bench.stop_children()
        if files:
            shutil.rmtree(files.folder, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
        shutil.rmtree(os.path.join(BENCH, "cds"), ignore_errors=True)  # the AppCDS archive: 12 MB


# Where the baseline's cold start goes: JVM uptime at which marker classes are first loaded
# (-Xlog:class+load), median of a few runs. The log itself slows the run by a few per cent.
PHASES = [
    ("JVM start -> RIC main class", "com.amazonaws.services.lambda.runtime.api.client.AWSLambda"),
    ("RIC start-up -> handler class loaded", "io.kmstagenforcer.TagEnforcerHandler"),
    ("init: handler class -> SDK HTTP client class", "software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient"),
    ("init: UrlConnectionHttpClient.build() (its SSLContext: TLS classes, cacerts)",
     "software.amazon.awssdk.auth.credentials.AwsCredentialsProviderChain"),
    ("init: credentials chain (the container provider loads the SDK's JSON parser)", "io.kmstagenforcer.policy.PolicyParser"),
    ("init: policy parse (SDK's JSON) and wiring -> first event: KmsClient.builder()",
     "software.amazon.awssdk.services.kms.DefaultKmsClientBuilder"),
    ("first event: building the KmsClient (profiles, endpoint rules, auth schemes, retries)",
     "software.amazon.awssdk.services.kms.DefaultKmsClient"),
    ("first event: first request through the pipeline (marshal, sign, interceptors) -> HTTP",
     "sun.net.www.protocol.http.HttpURLConnection"),
]


def class_group(name, source):
    if "shared objects file" in source:
        return "JDK classes from the default CDS archive"
    if name.startswith("software.amazon.awssdk.thirdparty.jackson"):
        return "AWS SDK: shaded Jackson"
    if name.startswith("software.amazon.awssdk"):
        return "AWS SDK (other)"
    if name.startswith("com.amazonaws") or name.startswith("org.crac"):
        return "Lambda runtime client, crac"
    if name.startswith("io.kmstagenforcer"):
        return "the function's own classes"
    if name.startswith(("sun.security", "javax.net.ssl", "com.sun.crypto", "javax.crypto", "java.security",
                        "sun.net.www.protocol.https")):
        return "JDK security/TLS (not in CDS)"
    return "other JDK classes (not in CDS)"


def profile(h, kms, files, runs):
    import re
    phases = {label: [] for label, _ in PHASES}
    phases["first HTTP call -> first response (2 KMS calls, plan, logs)"] = []
    groups, totals = {}, []
    for i in range(runs):
        log_file = os.path.join(BENCH, "class-load-%d.log" % i)
        rep, _, _ = h.invoke([files.write(bench.cloudtrail_event(kms.create_key()))],
                             java_opts="-Xlog:class+load:file=%s:uptime" % log_file)
        first, counts = {}, {}
        with open(log_file) as f:
            for line in f:
                m = re.match(r"\[(\S+)s\] (\S+) source: (.*)", line)
                if not m:
                    continue
                t, name, source = float(m.group(1)) * 1000, m.group(2), m.group(3)
                first.setdefault(name, t)
                g = class_group(name, source)
                counts[g] = counts.get(g, 0) + 1
        os.remove(log_file)
        prev = 0.0
        for label, marker in PHASES:
            t = first.get(marker)
            phases[label].append(None if t is None else t - prev)
            prev = t if t is not None else prev
        phases["first HTTP call -> first response (2 KMS calls, plan, logs)"].append(rep["runtimeStartToFirstResponseMs"] - prev)
        totals.append(rep["runtimeStartToFirstResponseMs"])
        for g, n in counts.items():
            groups.setdefault(g, []).append(n)
    return {"runs": runs, "total": statistics.median(totals),
            "phases": [{"phase": k, "ms": statistics.median([x for x in v if x is not None]) if any(x is not None for x in v) else None}
                       for k, v in phases.items()],
            "classes": sorted(({"group": g, "count": statistics.median(v)} for g, v in groups.items()),
                              key=lambda x: -x["count"])}


def json_costs(h, kms, files, runs):
    """scripts/bench/ColdParse.java in fresh JVMs (Lambda's flags): first policy parse, event parse, plan."""
    out_dir = os.path.join(BENCH, "coldparse")
    shutil.rmtree(out_dir, ignore_errors=True)
    cp = TASK_ROOT + ":" + os.path.join(TASK_ROOT, "lib", "*")
    r = subprocess.run([shutil.which("javac"), "--release", "17", "-cp", cp, "-d", out_dir,
                        os.path.join(ROOT, "scripts", "bench", "ColdParse.java")], capture_output=True, text=True)
    if r.returncode != 0:
        bench.log("ColdParse does not compile against this source (skipped): " + r.stderr.strip()[:300])
        return None
    with open(os.path.join(BENCH, "template-trivial.yaml")) as f:
        policy = json.load(f)["Parameters"]["TagPolicy"]["Default"]
    policy_file = os.path.join(BENCH, "policy.json")
    with open(policy_file, "w") as f:
        f.write(policy)
    event = files.write(bench.cloudtrail_event(kms.create_key()))
    steps = {}
    for _ in range(runs):
        r = subprocess.run([shutil.which("java"), "-XX:MaxHeapSize=%dk" % (h.memory_size * 1024 * 85 // 100),
                            "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                            "-cp", out_dir + ":" + cp, "bench.ColdParse", policy_file, event],
                           capture_output=True, text=True, check=True)
        for line in r.stdout.splitlines():
            name, micros = line.split()
            steps.setdefault(name, []).append(int(micros) / 1000.0)
    return {"runs": runs, "steps": [{"step": k, "ms": statistics.median(v)} for k, v in steps.items()]}


def train_appcds(h, kms, files):
    """One run with -XX:ArchiveClassesAtExit (the JVM must exit normally: graceful stop)."""
    archive = os.path.join(BENCH, "cds", "enforcer.jsa")
    os.makedirs(os.path.dirname(archive), exist_ok=True)
    if os.path.exists(archive):
        os.remove(archive)
    h.invoke([files.write(bench.cloudtrail_event(kms.create_key()))], java_opts="-XX:ArchiveClassesAtExit=" + archive,
             extra_env={"INVOKE_LOCAL_GRACEFUL_STOP": "1"})
    if not os.path.exists(archive):
        raise Skip("the training run wrote no archive")
    return archive


def markdown(res):
    out = []
    p = res.get("profile")
    if p:
        out += ["Where the baseline's cold start goes (JVM uptime at first load of marker classes, -Xlog:class+load, "
                "median of %d runs; total %s ms with the log on) (ms):" % (p["runs"], bench.fmt(p["total"])), "",
                "| phase | ms |", "|---|---:|"]
        out += ["| %s | %s |" % (x["phase"], bench.fmt(x["ms"])) for x in p["phases"]]
        j = res.get("json")
        if j:
            names = {"sdk-json": "the SDK's JSON parser, first use (the KMS protocol loads it anyway)",
                     "policy": "PolicyParser.parse of the template's default policy, first",
                     "event": "EventInterpreter.interpret of a CreateKey event, first",
                     "plan": "TagPlanner.plan for an untagged key, first"}
            out += ["", "The function's own JSON and planning, first use in a fresh JVM (scripts/bench/ColdParse.java, "
                    "median of %d) (ms):" % j["runs"], "", "| step | ms |", "|---|---:|"]
            out += ["| %s | %s |" % (names.get(x["step"], x["step"]), bench.fmt(x["ms"], 1)) for x in j["steps"]]
        out += ["", "Classes loaded in that run (median count):", "", "| group | classes |", "|---|---:|"]
        out += ["| %s | %s |" % (x["group"], bench.fmt(x["count"])) for x in p["classes"]]
        out.append("")
    out += ["Cold start candidates, process start to first response (fresh-key CreateKey against moto), "
           "%d rotating runs each (ms):" % res["runs"], "",
           "| candidate | kind | what | median | p90 | paired Δ vs baseline | Δ % |", "|---|---|---|---:|---:|---:|---:|"]
    for r in res["cold"]:
        out.append("| %s | %s | %s | %s | %s | %s | %s |" % (
            r["name"], r["kind"], r["what"], bench.fmt(r["median"]), bench.fmt(r["p90"]),
            "" if r["name"] == "baseline" else "%+.0f" % r["pairedDeltaMs"],
            "" if r["name"] == "baseline" else "%+.0f%%" % r["pairedDeltaPct"]))
    out += ["", "Paired Δ: median over rounds of (candidate - baseline of the same round); the rounds rotate "
            "the order, so a slow or fast spell of the machine falls on all candidates alike."]
    if res["snap"]:
        out += ["", "SnapStart candidates, restore -> first response under --snap-start, %d rotating runs each (ms):"
                % res["snap"][0]["n"], "",
                "| candidate | what | median | p90 | paired Δ vs baseline |", "|---|---|---:|---:|---:|"]
        for r in res["snap"]:
            out.append("| %s | %s | %s | %s | %s |" % (r["name"], r["what"], bench.fmt(r["median"]), bench.fmt(r["p90"]),
                                                    "" if r["name"] == "baseline" else "%+.0f" % r["pairedDeltaMs"]))
    for s in res["skipped"]:
        out.append("\nSkipped %s: %s" % (s["name"], s["why"]))
    return "\n".join(out)


if __name__ == "__main__":
    main()
