#!/usr/bin/python3
"""Time a sweep of trivial jobs through real lrsweep processes.

    cmake --build build -j2
    /usr/bin/python3 bench/sweep_throughput.py [--spec bench/throughput_10k.yaml]
        [--workers 2] [--repeats 3] [--waiter watch|poll] [--optuna-seconds 600]

Each repeat starts lrsweep-coordinator on a free loopback port with a new
SQLite file and --workers lrsweep-worker processes (one slot each). It
submits the spec with `lrsweep submit` and waits for the sweep to finish
with `lrsweep watch`, or with --waiter=poll by polling `lrsweep status`
every 0.2 s. It prints one JSON object per repeat and a summary line
with medians:

- wall_seconds: from the start of `lrsweep submit` to the end of the wait;
- sweep_seconds: the coordinator's own finish_time - create_time;
- jobs_per_second: jobs / wall_seconds;
- coordinator_us_per_job: the coordinator's CPU time (user + system, read
  from /proc/PID/stat before the submit and after the finish) per job;
- worker_us_per_job: the same for all workers together.

With --optuna-seconds above 0, bench/optuna_grid.py then runs the same
grid through Optuna's GridSampler for at most that long, and a last line
compares lrsweep's median jobs per second with Optuna's trials per second.

Processes listen on 127.0.0.1 only and are stopped with SIGTERM (SIGKILL
after 20 s) whatever happens.
"""

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
START_TIMEOUT_SECONDS = 20


def cpu_seconds(pid):
    """Return the user + system CPU time of process `pid`, in seconds."""
    with open(f"/proc/{pid}/stat") as stat:
        # Fields after the command name, which is in parentheses and may
        # contain spaces: utime and stime are fields 14 and 15 of the line.
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def wait_for_line(path, pattern, process):
    """Return the first match of `pattern` in the log at `path`."""
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}; "
                               f"see {path}")
        with open(path) as log:
            match = re.search(pattern, log.read())
        if match:
            return match
        time.sleep(0.02)
    raise RuntimeError(f"timed out waiting for /{pattern}/ in {path}")


def stop(process):
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def cli(args, build, address):
    command = [os.path.join(build, "cli", "lrsweep"), *args, f"--coordinator={address}"]
    return subprocess.run(command, check=True, capture_output=True, text=True,
                          timeout=900).stdout


def wait_for_finish(waiter, build, address, sweep_id):
    if waiter == "watch":
        cli(["watch", sweep_id, "--format=json"], build, address)
        return
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        sweep = json.loads(cli(["status", sweep_id, "--format=json"], build, address))
        if sweep["state"] != "ACTIVE":
            return
        time.sleep(0.2)
    raise RuntimeError(f"sweep {sweep_id} did not finish in 900 s")


def seconds_between(start, end):
    """Return the seconds between two RFC 3339 timestamps of the same day."""
    def parse(text):
        clock = text.rstrip("Z").split("T")[1]
        hours, minutes, seconds = clock.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return parse(end) - parse(start)


def run_once(args, folder):
    build = os.path.abspath(args.build_dir)
    coordinator_log = os.path.join(folder, "coordinator.log")
    processes = []
    try:
        with open(coordinator_log, "w") as log:
            coordinator = subprocess.Popen(
                [os.path.join(build, "coordinator", "lrsweep-coordinator"),
                 "--host=127.0.0.1", "--port=0", f"--db={folder}/lrsweep.db"],
                stdout=subprocess.DEVNULL, stderr=log)
        processes.append(coordinator)
        port = wait_for_line(coordinator_log, r"event=listening address=127\.0\.0\.1:(\d+)",
                             coordinator).group(1)
        address = f"127.0.0.1:{port}"

        workers = []
        for index in range(args.workers):
            worker_log = os.path.join(folder, f"worker{index}.log")
            with open(worker_log, "w") as log:
                worker = subprocess.Popen(
                    [os.path.join(build, "worker", "lrsweep-worker"),
                     f"--coordinator={address}", "--slots=1", f"--worker_id=worker{index}"],
                    stdout=subprocess.DEVNULL, stderr=log)
            processes.append(worker)
            workers.append(worker)
            wait_for_line(worker_log, r"worker started", worker)

        coordinator_cpu = cpu_seconds(coordinator.pid)
        worker_cpu = sum(cpu_seconds(worker.pid) for worker in workers)
        start = time.perf_counter()
        sweep = json.loads(cli(["submit", os.path.abspath(args.spec), "--format=json"],
                               build, address))
        wait_for_finish(args.waiter, build, address, sweep["sweep_id"])
        wall = time.perf_counter() - start
        coordinator_cpu = cpu_seconds(coordinator.pid) - coordinator_cpu
        worker_cpu = sum(cpu_seconds(worker.pid) for worker in workers) - worker_cpu

        final = json.loads(cli(["status", sweep["sweep_id"], "--format=json"], build, address))
        jobs = int(final["counts"]["total"])
        done = sum(int(final["counts"].get(state, 0))
                   for state in ("succeeded", "diverged", "failed", "cancelled"))
        if final["state"] != "FINISHED" or done != jobs:
            raise RuntimeError(f"sweep ended {final['state']} with {done}/{jobs} jobs done")
        return {
            "jobs": jobs,
            "wall_seconds": wall,
            "sweep_seconds": seconds_between(final["create_time"], final["finish_time"]),
            "jobs_per_second": jobs / wall,
            "coordinator_us_per_job": 1e6 * coordinator_cpu / jobs,
            "worker_us_per_job": 1e6 * worker_cpu / jobs,
        }
    finally:
        for process in reversed(processes):
            stop(process)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--spec", default=os.path.join(HERE, "throughput_10k.yaml"))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--waiter", choices=["watch", "poll"], default="watch")
    parser.add_argument("--optuna-seconds", type=float, default=600,
                        help="time budget of the Optuna run; 0 skips it")
    args = parser.parse_args()

    runs = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory(prefix="lrsweep-throughput-") as folder:
            run = run_once(args, folder)
        print(json.dumps(run), flush=True)
        runs.append(run)
    summary = {key: statistics.median(run[key] for run in runs) for key in runs[0]}
    summary["repeats"] = len(runs)
    print(json.dumps({"median": summary}), flush=True)

    if args.optuna_seconds > 0:
        output = subprocess.run(
            [sys.executable, os.path.join(HERE, "optuna_grid.py"), f"--spec={args.spec}",
             f"--timeout-seconds={args.optuna_seconds}"],
            check=True, capture_output=True, text=True).stdout
        optuna_run = json.loads(output)
        print(json.dumps({"optuna": optuna_run}))
        print(json.dumps({"ratio": {
            "lrsweep_jobs_per_second": summary["jobs_per_second"],
            "optuna_trials_per_second": optuna_run["trials_per_second"],
            "lrsweep_over_optuna": summary["jobs_per_second"] / optuna_run["trials_per_second"],
        }}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
