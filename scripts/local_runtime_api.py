#!/usr/bin/env python3
"""A minimal AWS Lambda Runtime API on 127.0.0.1, for scripts/invoke-local.

Standard library only. It serves the endpoints the Java Runtime Interface Client
(aws-lambda-java-runtime-interface-client 2.9.0) calls, as documented in the
Lambda developer guide ("Using the Lambda runtime API for custom runtimes"):

  GET  /2018-06-01/runtime/invocation/next          next queued event, one at a time
  POST /2018-06-01/runtime/invocation/{id}/response function result   -> 202
  POST /2018-06-01/runtime/invocation/{id}/error    function error    -> 202
  POST /2018-06-01/runtime/init/error               init error        -> 202
  GET  /2018-06-01/runtime/restore/next             SnapStart: "snapshot taken, restored" -> 200
  POST /2018-06-01/runtime/restore/error            SnapStart afterRestore hook failed    -> 202

With --telemetry-fifo it also plays Lambda's log collector: the runtime, given
_LAMBDA_TELEMETRY_LOG_FD, writes each LambdaLogger call as one frame (16-byte
header: 0xa55a0000|level|format flags, length, timestamp in microseconds); each
frame is written to stderr as one log event (a newline added when missing), as
CloudWatch would show it. System.out/System.err stay plain streams, as in Lambda.

plus, only with --container-credentials, GET /local/credentials: the caller's
credentials served the way Lambda serves them to a SnapStart function
(AWS_CONTAINER_CREDENTIALS_FULL_URI + AWS_CONTAINER_AUTHORIZATION_TOKEN).

Contract with the launcher (scripts/invoke-local):
  * it binds 127.0.0.1 on a free port and writes the port to --port-file;
  * stdout: one line per event, in order: the function's response (compacted to
    one line if needed; "null" when the function returned nothing), or the
    error body Lambda would return ({"errorMessage", "errorType", ...});
    after an init error, that error's body, once;
  * stderr: Lambda-style platform lines (START/END/REPORT, or JSON platform
    records under --log-format JSON) and "invoke-local: ..." harness lines;
  * it exits when every event has been answered, on an init or restore error,
    on a function timeout, or when the launcher tells it (SIGUSR1) that the
    runtime process has exited, with 0 (all invocations succeeded),
    1 (some function error), 2 (init/restore error), 3 (harness problem).
    A /next that arrives after the last event is left hanging, as Lambda freezes
    an idle sandbox; before exiting, the server stops the runtime (SIGKILL, or
    SIGTERM first with INVOKE_LOCAL_GRACEFUL_STOP=1; pid from --runtime-pid-file)
    so that it does not see the connection drop, and the launcher reaps it.
"""

import argparse
import datetime
import json
import os
import secrets
import signal
import socket
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime"
# Lambda's limit for a synchronous response payload (the Runtime API answers 413 above it).
MAX_RESPONSE_BYTES = 6 * 1024 * 1024
EXIT_OK, EXIT_FUNCTION_ERROR, EXIT_INIT_ERROR, EXIT_HARNESS = 0, 1, 2, 3


def now_ms():
    return time.time() * 1000.0


def log(msg):
    sys.stderr.write("invoke-local: " + msg + "\n")
    sys.stderr.flush()


def one_line_json(body):
    """The payload as one line of JSON, unchanged when it already is one."""
    if not body.strip():
        return "null"
    text = body.decode("utf-8", errors="replace")
    try:
        value = json.loads(text)
    except ValueError:
        log("warning: the response is not JSON; printed as a JSON string")
        return json.dumps(text, ensure_ascii=False)
    if "\n" in text.strip() or "\r" in text.strip():
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.strip()


class Invocation:
    def __init__(self, index, name, payload):
        self.index = index
        self.name = name
        self.payload = payload
        self.request_id = None
        self.status = "queued"      # queued, running, ok, error
        self.started_ms = None
        self.ended_ms = None
        self.deadline_ms = None
        self.output = None          # the stdout line
        self.error_type = None
        self.error_message = None


class State:
    def __init__(self, args, events):
        self.args = args
        self.lock = threading.RLock()
        self.finished = threading.Event()
        self.exit_code = None
        self.invocations = [Invocation(i, name, payload) for i, (name, payload) in enumerate(events)]
        self.by_id = {}
        self.queue = list(self.invocations)
        self.current = None
        self.init_error = None
        self.restore_error = None
        self.started_ms = now_ms()
        self.init_done_ms = None      # first GET /next (on-demand) or GET /restore/next (snap-start)
        self.restored_ms = None
        self.runtime_exit = None
        self.init_error_ms = None
        self.first_next_ms = None     # first GET /next: under snap-start, restore ends here
        self.accepts_late_error = set()
        self.credentials_token = os.environ.get("INVOKE_LOCAL_CREDENTIALS_TOKEN") or secrets.token_hex(16)

    # ---- timing helpers -------------------------------------------------------
    def runtime_started_ms(self):
        """Epoch ms at which the launcher started the JVM (written just before exec)."""
        try:
            with open(self.args.runtime_start_file) as f:
                return float(f.read().strip()) * 1000.0
        except (OSError, ValueError, TypeError):
            return self.started_ms

    def max_memory_used_mb(self):
        try:
            with open(self.args.runtime_pid_file) as f:
                pid = int(f.read().strip())
            with open("/proc/%d/status" % pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        return int(line.split()[1]) // 1024
        except (OSError, ValueError, TypeError, IndexError):
            pass
        return None

    # ---- platform log lines --------------------------------------------------
    def platform(self, kind, record, text):
        if self.args.log_format.upper() == "JSON":
            line = json.dumps({
                "time": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
                "type": "platform." + kind,
                "record": record,
            }, separators=(",", ":"))
        else:
            line = text
        sys.stderr.write(line + "\n")
        sys.stderr.flush()

    def emit(self, line):
        sys.stdout.write(line + "\n")
        sys.stdout.flush()

    # ---- lifecycle -------------------------------------------------------------
    def finish(self, code):
        with self.lock:
            if self.exit_code is None:
                self.exit_code = code
            self.finished.set()

    def mark_init_done(self):
        if self.init_done_ms is None:
            self.init_done_ms = now_ms()
            init_ms = self.init_done_ms - self.runtime_started_ms()
            if not self.args.snap_start and init_ms > 10000:
                log("warning: init took %.0f ms; Lambda limits an on-demand init phase to 10 s" % init_ms)

    def next_invocation(self):
        with self.lock:
            if self.args.snap_start and self.restored_ms is None:
                log("warning: /invocation/next before /restore/next under snap-start")
            self.mark_init_done()
            if self.first_next_ms is None:
                self.first_next_ms = now_ms()
            if self.current is not None:
                # The runtime asked for more work without answering: Lambda would not hand out a new event.
                log("warning: /invocation/next while %s is unanswered" % self.current.request_id)
            if not self.queue or self.finished.is_set():
                return None
            inv = self.queue.pop(0)
            inv.request_id = str(uuid.uuid4())
            inv.status = "running"
            inv.started_ms = now_ms()
            inv.deadline_ms = int(inv.started_ms + self.args.timeout * 1000)
            self.by_id[inv.request_id] = inv
            self.current = inv
        version = self.args.function_version
        self.platform("start", {"requestId": inv.request_id, "version": version},
                      "START RequestId: %s Version: %s" % (inv.request_id, version))
        return inv

    def complete(self, inv, ok, output, error_type=None, error_message=None):
        """Record the outcome of inv; caller holds the lock."""
        inv.ended_ms = now_ms()
        inv.status = "ok" if ok else "error"
        inv.output = output
        inv.error_type = error_type
        inv.error_message = error_message
        if self.current is inv:
            self.current = None
        self.emit(output)
        duration = inv.ended_ms - inv.started_ms
        mem = self.max_memory_used_mb()
        record = {"requestId": inv.request_id, "status": "success" if ok else "error",
                  "metrics": {"durationMs": round(duration, 2), "billedDurationMs": int(duration + 0.999),
                              "memorySizeMB": self.args.memory_size, "maxMemoryUsedMB": mem}}
        text = ("REPORT RequestId: %s\tDuration: %.2f ms\tBilled Duration: %d ms\tMemory Size: %d MB\tMax Memory Used: %s MB"
                % (inv.request_id, duration, int(duration + 0.999), self.args.memory_size, mem if mem is not None else "?"))
        if inv.index == 0 and self.init_done_ms is not None:
            init_ms = self.init_done_ms - self.runtime_started_ms()
            if self.args.snap_start:
                # Restore: from "snapshot restored" (our /restore/next answer) to the first /next, i.e.
                # the afterRestore hooks. Init: runtime start to /restore/next (Lambda runs it at publish time).
                restore_ms = (self.first_next_ms or self.init_done_ms) - (self.restored_ms or self.init_done_ms)
                record["metrics"]["restoreDurationMs"] = round(restore_ms, 2)
                text += "\tRestore Duration: %.2f ms" % restore_ms
            record["metrics"]["initDurationMs"] = round(init_ms, 2)
            text += "\tInit Duration: %.2f ms" % init_ms
        self.platform("runtimeDone", {"requestId": inv.request_id, "status": record["status"]},
                      "END RequestId: %s" % inv.request_id)
        self.platform("report", record, text)
        if mem is not None and mem > self.args.memory_size:
            log("warning: the runtime's peak RSS (%d MB) exceeds MemorySize (%d MB): Lambda would have stopped it"
                " (Runtime.OutOfMemory)" % (mem, self.args.memory_size))
        if not ok:
            log("event %d (%s) FAILED: %s: %s" % (inv.index + 1, inv.name, error_type, error_message))
        if all(i.status in ("ok", "error") for i in self.invocations):
            failed = any(i.status == "error" for i in self.invocations)
            self.finish(EXIT_FUNCTION_ERROR if failed else EXIT_OK)

    def response(self, request_id, body):
        with self.lock:
            inv = self.by_id.get(request_id)
            if inv is None or inv.status != "running":
                return 400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            if len(body) > MAX_RESPONSE_BYTES:
                msg = ("Response payload size (%d bytes) exceeded maximum allowed payload size (%d bytes)."
                       % (len(body), MAX_RESPONSE_BYTES))
                self.accepts_late_error.add(request_id)  # the RIC reports the 413 back as an error; ignore that one
                self.complete(inv, False, json.dumps({"errorMessage": msg, "errorType": "Function.ResponseSizeTooLarge"}, separators=(",", ":")),
                              "Function.ResponseSizeTooLarge", msg)
                return 413, {"errorMessage": msg, "errorType": "RequestEntityTooLarge"}
            self.complete(inv, True, one_line_json(body))
            return 202, {"status": "OK"}

    def error(self, request_id, body, header_type):
        with self.lock:
            inv = self.by_id.get(request_id)
            if request_id in self.accepts_late_error:
                self.accepts_late_error.discard(request_id)
                return 202, {"status": "OK"}
            if inv is None or inv.status != "running":
                return 400, {"errorMessage": "Invalid request ID", "errorType": "InvalidRequestID"}
            err = parse_error(body)
            error_type = err.get("errorType") or header_type or "Unhandled"
            self.complete(inv, False, one_line_json(body) if body.strip() else json.dumps(err, separators=(",", ":")),
                          error_type, err.get("errorMessage"))
            return 202, {"status": "OK"}

    def report_init_error(self, body, header_type, what):
        with self.lock:
            err = parse_error(body)
            if what == "restore":
                self.restore_error = err
            else:
                self.init_error = err
            if self.exit_code is None:
                self.emit(one_line_json(body) if body.strip() else json.dumps(err, separators=(",", ":")))
                self.init_error_ms = now_ms()
                init_ms = self.init_error_ms - self.runtime_started_ms()
                phase = "restore" if what == "restore" else "init"
                self.platform("initReport" if phase == "init" else "restoreReport",
                              {"phase": phase, "status": "error", "errorType": header_type,
                               "metrics": {"durationMs": round(init_ms, 2)}},
                              "INIT_REPORT Init Duration: %.2f ms\tPhase: %s\tStatus: error\tError Type: %s"
                              % (init_ms, phase, header_type))
                log("%s error (%s): %s: %s" % (phase, header_type, err.get("errorType"), err.get("errorMessage")))
            self.finish(EXIT_INIT_ERROR)
            return 202, {"status": "OK"}

    def restore_next(self):
        with self.lock:
            self.mark_init_done()
            self.restored_ms = now_ms()
        log("snap-start: init done, beforeCheckpoint hooks ran; answering /restore/next (no real snapshot)")

    def check_timeouts(self):
        with self.lock:
            inv = self.current
            if inv is not None and now_ms() > inv.deadline_ms:
                msg = "RequestId: %s Error: Task timed out after %.2f seconds" % (inv.request_id, self.args.timeout)
                self.complete(inv, False, json.dumps({"errorType": "Sandbox.Timedout", "errorMessage": msg}, separators=(",", ":")),
                              "Sandbox.Timedout", msg)
                self.abandon_rest("the runtime timed out")
                self.finish(EXIT_FUNCTION_ERROR)

    def abandon_rest(self, why):
        if self.queue:
            log("%d event(s) not invoked: %s" % (len(self.queue), why))
            self.queue.clear()

    def runtime_exited(self):
        code = None
        try:
            with open(self.args.runtime_exit_file) as f:
                code = f.read().strip()
        except (OSError, TypeError):
            pass
        with self.lock:
            if self.finished.is_set():
                return
            self.runtime_exit = code
            what = "Runtime exited with error: exit status %s" % code if code not in (None, "0") else "Runtime exited without providing a reason"
            if self.init_done_ms is None:
                # Lambda: an exit before the runtime's first /next is an init failure (Runtime.ExitError).
                err = {"errorType": "Runtime.ExitError", "errorMessage": "RequestId: (init) Error: " + what}
                self.init_error = err
                self.emit(json.dumps(err, separators=(",", ":")))
                log("init error: the runtime exited (status %s) before asking for an event and without"
                    " posting /init/error; see its output above" % code)
                self.finish(EXIT_INIT_ERROR)
            elif self.current is not None:
                inv = self.current
                msg = "RequestId: %s Error: %s" % (inv.request_id, what)
                self.complete(inv, False, json.dumps({"errorType": "Runtime.ExitError", "errorMessage": msg}, separators=(",", ":")),
                              "Runtime.ExitError", msg)
                self.abandon_rest("the runtime exited")
                self.finish(EXIT_FUNCTION_ERROR)
            else:
                log("the runtime exited (status %s) between invocations" % code)
                self.abandon_rest("the runtime exited")
                self.finish(EXIT_FUNCTION_ERROR)

    def summary(self):
        start = self.runtime_started_ms()
        first_response = next((i.ended_ms for i in self.invocations if i.ended_ms is not None), None)
        return {
            "exitCode": self.exit_code,
            "initType": "snap-start" if self.args.snap_start else "on-demand",
            "initDurationMs": round((self.init_done_ms or self.init_error_ms) - start, 1)
            if (self.init_done_ms or self.init_error_ms) else None,
            "runtimeStartToFirstResponseMs": round(first_response - start, 1) if first_response else None,
            # snap-start only: the afterRestore hooks (restore answered -> first /next), and restore
            # answered -> first response (what a SnapStart cold start costs after the snapshot is loaded)
            "restoreDurationMs": round(self.first_next_ms - self.restored_ms, 1)
            if self.restored_ms and self.first_next_ms else None,
            "restoreToFirstResponseMs": round(first_response - self.restored_ms, 1)
            if self.restored_ms and first_response else None,
            "initError": self.init_error,
            "restoreError": self.restore_error,
            "runtimeExit": self.runtime_exit,
            "maxMemoryUsedMB": self.max_memory_used_mb(),
            "invocations": [{
                "event": i.name, "requestId": i.request_id, "status": i.status,
                "durationMs": round(i.ended_ms - i.started_ms, 1) if i.ended_ms and i.started_ms else None,
                "errorType": i.error_type, "errorMessage": i.error_message,
            } for i in self.invocations],
        }


def parse_error(body):
    try:
        value = json.loads(body.decode("utf-8", errors="replace")) if body.strip() else {}
    except ValueError:
        value = {"errorMessage": body.decode("utf-8", errors="replace")}
    return value if isinstance(value, dict) else {"errorMessage": str(value)}


def pump_telemetry(path):
    """Read the runtime's framed log events from the FIFO and write each as one event to stderr."""
    import struct
    try:
        with open(path, "rb", buffering=0) as f:
            def read_exact(n):
                buf = b""
                while len(buf) < n:
                    chunk = f.read(n - len(buf))
                    if not chunk:
                        return None
                    buf += chunk
                return buf
            while True:
                header = read_exact(16)
                if header is None:
                    return
                frame_type, length, _micros = struct.unpack(">IIq", header)
                if frame_type & 0xFFFF0000 != 0xA55A0000:
                    log("warning: bad telemetry frame header %08x; log pipe abandoned" % frame_type)
                    return
                message = read_exact(length) or b""
                if not message.endswith(b"\n"):
                    message += b"\n"
                sys.stderr.buffer.write(message)
                sys.stderr.flush()
    except OSError as e:
        log("telemetry log pipe: %s" % e)


def make_handler(state):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "invoke-local-runtime-api"

        def setup(self):
            super().setup()
            # Headers and body go out in two writes; without this, Nagle's algorithm and the client's
            # delayed ACK add ~40 ms to every reply on a kept-alive connection.
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, fmt, *args):  # noqa: N802 (stdlib name)
            if os.environ.get("INVOKE_LOCAL_DEBUG"):
                log("api: " + (fmt % args))

        def send(self, code, body=b"", headers=None, content_type="application/json"):
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)
            self.wfile.flush()

        def body(self):
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length > 0 else b""

        def do_GET(self):  # noqa: N802
            path = self.path.split("?", 1)[0]
            if path == PREFIX + "/invocation/next":
                inv = state.next_invocation()
                if inv is None:
                    # Nothing left: like a frozen sandbox, never answer. The launcher stops the runtime.
                    state.finished.wait()
                    time.sleep(3600)
                    return
                headers = {
                    "Lambda-Runtime-Aws-Request-Id": inv.request_id,
                    "Lambda-Runtime-Deadline-Ms": str(inv.deadline_ms),
                    "Lambda-Runtime-Invoked-Function-Arn": state.args.function_arn,
                    "Lambda-Runtime-Trace-Id": "Root=1-%08x-%s;Parent=%s;Sampled=0;Lineage=1:%s:0" % (
                        int(time.time()), secrets.token_hex(12), secrets.token_hex(8), secrets.token_hex(4)),
                }
                self.send(200, inv.payload, headers)
            elif path == PREFIX + "/restore/next":
                if not state.args.snap_start:
                    self.send(403, {"errorMessage": "restore/next is only served under snap-start",
                                    "errorType": "InvalidStateTransition"})
                    return
                state.restore_next()
                self.send(200, b"")
            elif path == "/local/credentials" and state.args.container_credentials:
                if self.headers.get("Authorization") != state.credentials_token:
                    self.send(403, {"message": "bad authorization token"})
                    return
                creds = {
                    "AccessKeyId": os.environ.get("AWS_ACCESS_KEY_ID", ""),
                    "SecretAccessKey": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
                    "Expiration": (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=6))
                    .strftime("%Y-%m-%dT%H:%M:%SZ"),
                }
                if os.environ.get("AWS_SESSION_TOKEN"):
                    creds["Token"] = os.environ["AWS_SESSION_TOKEN"]
                self.send(200, creds)
            else:
                self.send(404, {"errorMessage": "unknown path " + path, "errorType": "NotFound"})

        def do_POST(self):  # noqa: N802
            path = self.path.split("?", 1)[0]
            body = self.body()
            error_type_header = self.headers.get("Lambda-Runtime-Function-Error-Type")
            if path.startswith(PREFIX + "/invocation/") and path.endswith("/response"):
                code, reply = state.response(path[len(PREFIX + "/invocation/"):-len("/response")], body)
            elif path.startswith(PREFIX + "/invocation/") and path.endswith("/error"):
                code, reply = state.error(path[len(PREFIX + "/invocation/"):-len("/error")], body, error_type_header)
            elif path == PREFIX + "/init/error":
                code, reply = state.report_init_error(body, error_type_header, "init")
            elif path == PREFIX + "/restore/error":
                code, reply = state.report_init_error(body, error_type_header, "restore")
            else:
                code, reply = 404, {"errorMessage": "unknown path " + path, "errorType": "NotFound"}
            self.send(code, reply)

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # The runtime is stopped while its kept-alive connections are still open: not worth a traceback.
        if isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            return
        log("api: error while serving %s: %r" % (client_address, sys.exc_info()[1]))


def read_events(paths, labels):
    events = []
    for n, path in enumerate(paths):
        label = labels[n] if n < len(labels) else path
        try:
            with open(path, "rb") as f:
                payload = f.read()
        except OSError as e:
            log("cannot read event %s: %s" % (label, e))
            sys.exit(EXIT_HARNESS)
        try:
            json.loads(payload.decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            # Lambda's Invoke API rejects a payload that is not JSON (InvalidRequestContentException).
            log("event %s is not valid JSON (%s); Lambda would reject it" % (label, e))
            sys.exit(EXIT_HARNESS)
        events.append((label, payload))
    return events


def stop_runtime(pid_file):
    """Stop the runtime before this server goes away: a /next parked here would otherwise fail and
    the runtime would die noisily. SIGKILL, as Lambda does to a runtime when no extension is
    registered (no shutdown hooks run); with INVOKE_LOCAL_GRACEFUL_STOP=1, SIGTERM first and
    SIGKILL after 2 s (lets e.g. a coverage agent write its data). The launcher, its parent,
    reaps it."""
    try:
        with open(pid_file) as f:
            pid = int(f.read().strip())
    except (OSError, ValueError, TypeError):
        return

    def alive():
        try:
            with open("/proc/%d/stat" % pid) as f:
                return f.read().rsplit(")", 1)[1].split()[0] != "Z"
        except (OSError, IndexError):
            return False

    steps = ((signal.SIGTERM, 2.0), (signal.SIGKILL, 1.0))
    if not os.environ.get("INVOKE_LOCAL_GRACEFUL_STOP"):
        steps = steps[1:]
    for sig, grace in steps:
        if not alive():
            return
        try:
            os.kill(pid, sig)
        except OSError:
            return
        end = time.monotonic() + grace
        while alive() and time.monotonic() < end:
            time.sleep(0.01)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--port-file", required=True, help="where to write the port once listening")
    ap.add_argument("--function-name", default="function")
    ap.add_argument("--function-version", default="$LATEST")
    ap.add_argument("--function-arn", default=None)
    ap.add_argument("--region", default="us-east-1")
    ap.add_argument("--account", default="123456789012")
    ap.add_argument("--timeout", type=float, default=3.0, help="function timeout in seconds (deadline header, enforced)")
    ap.add_argument("--memory-size", type=int, default=128)
    ap.add_argument("--log-format", default="Text")
    ap.add_argument("--snap-start", action="store_true")
    ap.add_argument("--container-credentials", action="store_true",
                    help="serve GET /local/credentials (token from INVOKE_LOCAL_CREDENTIALS_TOKEN)")
    ap.add_argument("--max-seconds", type=float, default=300.0, help="give up (exit 3) after this long")
    ap.add_argument("--runtime-start-file", help="file holding the epoch seconds at which the runtime was started")
    ap.add_argument("--runtime-pid-file", help="file holding the runtime's pid (for Max Memory Used)")
    ap.add_argument("--runtime-exit-file", help="file holding the runtime's exit status, read on SIGUSR1")
    ap.add_argument("--telemetry-fifo", help="FIFO the runtime writes framed log events to (_LAMBDA_TELEMETRY_LOG_FD)")
    ap.add_argument("--report-file", help="write a JSON summary (timings, outcomes) here")
    ap.add_argument("--event-label", action="append", default=[], help="display name of the n-th event (repeat)")
    ap.add_argument("events", nargs="+", help="event files, invoked in this order")
    args = ap.parse_args()
    if args.function_arn is None:
        args.function_arn = "arn:aws:lambda:%s:%s:function:%s" % (args.region, args.account, args.function_name)
        if args.function_version != "$LATEST":
            args.function_arn += ":" + args.function_version

    state = State(args, read_events(args.events, args.event_label))
    server = Server(("127.0.0.1", 0), make_handler(state))
    threading.Thread(target=server.serve_forever, name="runtime-api", daemon=True).start()

    if args.telemetry_fifo:
        threading.Thread(target=pump_telemetry, args=(args.telemetry_fifo,), name="telemetry", daemon=True).start()

    runtime_exit_flag = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: runtime_exit_flag.set())
    signal.signal(signal.SIGTERM, lambda *_: state.finish(EXIT_HARNESS))
    signal.signal(signal.SIGINT, lambda *_: state.finish(EXIT_HARNESS))

    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)

    give_up = time.monotonic() + args.max_seconds
    while not state.finished.wait(0.02):
        if runtime_exit_flag.is_set():
            state.runtime_exited()
        state.check_timeouts()
        if time.monotonic() > give_up:
            log("gave up after %.0f s (INVOKE_LOCAL_MAX_SECONDS)" % args.max_seconds)
            state.finish(EXIT_HARNESS)

    summary = state.summary()
    stop_runtime(args.runtime_pid_file)
    if args.report_file:
        with open(args.report_file, "w") as f:
            json.dump(summary, f, indent=2)
    ok = sum(1 for i in state.invocations if i.status == "ok")
    err = sum(1 for i in state.invocations if i.status == "error")
    log("%d event(s): %d succeeded, %d failed, %d not invoked; init %s ms; exit %d" % (
        len(state.invocations), ok, err, len(state.invocations) - ok - err,
        summary["initDurationMs"], state.exit_code))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(state.exit_code)  # do not wait for a /next handler thread parked on purpose


if __name__ == "__main__":
    main()
