"""Multi-node runs through Lightning's cluster support: two "nodes" on this machine, each a
``torchrun`` (one process) joined by a c10d rendezvous on 127.0.0.1, as two machines of a cluster
would be (a shared run folder, a rendezvous endpoint on the first node)."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import torch
from conftest import assert_same_units, run_units

from freqxai.cli import main
from freqxai.models import SynthMLP
from freqxai.models.training import save_state_dict
from freqxai.runner.config import make_config
from freqxai.runner.engine import LOCK_NAME, _launch, run

# 4 chunks x 2 methods = 8 work items, 16 (method, domain, chunk) shards
SETTINGS = {"n_test": 8, "chunk_size": 2, "n_masks": 200, "threads": 1,
            "methods": ["freqrise", "ig"], "domains": ["fft", "stft"], "sanity": False,
            "accelerator": "cpu"}
N_SHARDS = 16
WAIT = 300  # seconds a step may take on a loaded 2-core machine (4 processes import torch)
# what would make a launched process take another launcher's world for its own
LAUNCH_VARS = ("RANK", "LOCAL_RANK", "WORLD_SIZE", "GROUP_RANK", "NODE_RANK", "MASTER_ADDR",
               "MASTER_PORT", "TORCHELASTIC_RUN_ID")


@pytest.fixture(scope="module")
def weights(tmp_path_factory):
    # the paper's MLP as initialized (a seed): what is compared is how its maps are computed
    torch.manual_seed(0)
    return str(save_state_dict(SynthMLP(), tmp_path_factory.mktemp("w") / "mlp.pt"))


def _config(out, weights):
    return make_config(dataset="synthetic", weights=weights, out=str(out), **SETTINGS)


@pytest.fixture(scope="module")
def reference(tmp_path_factory, weights):
    """The same run in one process (this one)."""
    out = tmp_path_factory.mktemp("one") / "run"
    assert run(_config(out, weights), progress=False).n_computed == N_SHARDS
    return run_units(out)


def _free_port() -> int:
    """A free TCP port on 127.0.0.1 for the rendezvous; skips the test where none can be bound
    (torchrun's c10d rendezvous could not bind one either)."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]
    except OSError as err:
        pytest.skip(f"torchrun's c10d rendezvous cannot bind a TCP port on 127.0.0.1 here: {err}")


def _cli(out, weights) -> list[str]:
    flags = ["--weights", weights, "--out", str(out), "--n-test", "8", "--chunk-size", "2",
             "--n-masks", "200", "--threads", "1", "--methods", "freqrise,ig",
             "--domains", "fft,stft", "--no-sanity", "--accelerator", "cpu"]
    return ["run", "synthetic", *flags, "--num-nodes", "2", "--devices", "1", "--quiet"]


def _start_nodes(args: list[str], logs: Path) -> list[subprocess.Popen]:
    """Two nodes of one process each: ``torchrun --nnodes 2 --nproc-per-node 1`` twice, with a
    c10d rendezvous on 127.0.0.1 (the node ranks are assigned there), each in its own session."""
    port, run_id = _free_port(), uuid.uuid4().hex[:8]
    env = {k: v for k, v in os.environ.items() if k not in LAUNCH_VARS
           and not k.startswith("SLURM_")}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nnodes", "2",
           "--nproc-per-node", "1", "--rdzv-backend", "c10d",
           "--rdzv-endpoint", f"127.0.0.1:{port}", "--rdzv-id", run_id,
           "-m", "freqxai", *args]
    logs.mkdir(parents=True, exist_ok=True)
    return [subprocess.Popen(cmd, env=env, stdin=subprocess.DEVNULL,
                             stdout=open(logs / f"node{i}.log", "w"), stderr=subprocess.STDOUT,
                             start_new_session=True) for i in range(2)]


def _logs(logs: Path) -> str:
    return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(logs.glob("*.log")))


def _children(pid: int) -> list[int]:
    """The processes ``pid`` started, and theirs (torchrun starts its workers in sessions of their
    own, which killing its session leaves running)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
    found, todo = [], [pid]
    while todo:
        pid = todo.pop()
        kids = [p for p, parent in parents.items() if parent == pid]
        found += kids
        todo += kids
    return found


def _kill_node(node: subprocess.Popen) -> None:
    """A node dies: torchrun and its worker, at once (SIGKILL). Only a node still running: the
    process ids of one that has ended may name other processes by now."""
    if node.poll() is not None:
        return
    for pid in [node.pid, *_children(node.pid)]:
        try:
            os.killpg(os.getpgid(pid), signal.SIGKILL)
        except ProcessLookupError:
            pass
    node.wait()


def _shards(out: Path) -> list[Path]:
    # (a shard being written is a hidden temporary file)
    return [p for p in (out / "shards").glob("*.npz") if not p.name.startswith(".")]


def test_two_nodes_through_torchrun_give_the_numbers_of_one_process(tmp_path, weights,
                                                                     reference):
    out, logs = tmp_path / "two", tmp_path / "logs"
    nodes = _start_nodes(_cli(out, weights), logs)
    try:
        codes = [node.wait(timeout=WAIT) for node in nodes]
    finally:
        for node in nodes:
            _kill_node(node)
    assert codes == [0, 0], _logs(logs)
    # one process (global rank 0, on either node) merged, reported and let go of the folder
    assert (out / "report.html").is_file() and not (out / "shards").exists()
    assert not (out / LOCK_NAME).exists()
    assert_same_units(reference, run_units(out))


def test_a_killed_node_loses_only_its_unfinished_work_items(tmp_path, weights, reference):
    out, logs = tmp_path / "killed", tmp_path / "logs"
    nodes = _start_nodes(_cli(out, weights), logs)
    try:
        deadline = time.monotonic() + WAIT
        while len(_shards(out)) < 2:  # a first work item is written (both of its domains)
            assert time.monotonic() < deadline, _logs(logs)
            assert all(node.poll() is None for node in nodes), _logs(logs)
            time.sleep(0.05)
        _kill_node(nodes[0])
        try:  # the other node finishes its share, and stops when it finds its peer gone
            nodes[1].wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    finally:
        for node in nodes:
            _kill_node(node)
    assert not (out / "report.html").exists(), _logs(logs)  # it really was cut short
    kept = len(_shards(out))
    assert 2 <= kept < N_SHARDS
    # the same command resumes (here in one process): the kept shards are not computed again
    summary = run(_config(out, weights), progress=False)
    assert summary.n_computed == N_SHARDS - kept
    assert not _shards(out)  # all merged
    assert_same_units(reference, run_units(out))


@pytest.mark.parametrize("flags, message", [
    (["--num-nodes", "0"], "num_nodes must be a positive integer, got 0"),
    (["--num-nodes", "-2"], "num_nodes must be a positive integer, got -2"),
    (["--strategy", "fsdp"], "strategy must be auto or ddp"),
    (["--strategy", "ddp_spawn"], "strategy must be auto or ddp"),
])
def test_bad_cluster_flags_are_one_line_errors(tmp_path, capsys, flags, message):
    assert main(["run", "synthetic", "--out", str(tmp_path / "r"), *flags]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert not (tmp_path / "r").exists()


def test_help_shows_the_cluster_flags(capsys):
    with pytest.raises(SystemExit):
        main(["run", "synthetic", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--num-nodes N" in text and "(default 1;" in text
    assert "--strategy NAME" in text and "auto (default" in text


@pytest.mark.parametrize("env, devices, rank, launcher", [
    ({}, 1, 0, "LightningEnvironment"),
    # the second of Lightning's own processes on the second node (it sets no RANK)
    ({"LOCAL_RANK": "1", "NODE_RANK": "1", "WORLD_SIZE": "4"}, 2, 3, "LightningEnvironment"),
    # torchrun: LOCAL_RANK is 0 on every node of 2 nodes x 1 process
    ({"TORCHELASTIC_RUN_ID": "r", "RANK": "1", "LOCAL_RANK": "0", "GROUP_RANK": "1",
      "WORLD_SIZE": "2"}, 1, 1, "TorchElasticEnvironment"),
    ({"SLURM_NTASKS": "8", "SLURM_NTASKS_PER_NODE": "4", "SLURM_NNODES": "2",
      "SLURM_PROCID": "5", "SLURM_LOCALID": "1", "SLURM_NODEID": "1", "SLURM_JOB_NAME": "x"},
     4, 5, "SLURMEnvironment"),
])
def test_the_rank_is_the_global_one_whoever_started_the_process(monkeypatch, env, devices,
                                                                  rank, launcher):
    for k in [*LAUNCH_VARS, *(k for k in os.environ if k.startswith("SLURM_"))]:
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    found, cluster = _launch(make_config(devices=devices, num_nodes=2))
    assert (found, type(cluster).__name__) == (rank, launcher)


def test_a_launcher_world_that_is_not_devices_times_nodes_is_refused(tmp_path, monkeypatch,
                                                                       capsys):
    # what torchrun gives each of the 4 processes it starts (here: the first)
    for k, v in {"TORCHELASTIC_RUN_ID": "x", "RANK": "0", "LOCAL_RANK": "0", "WORLD_SIZE": "4",
                 "GROUP_RANK": "0", "LOCAL_WORLD_SIZE": "2"}.items():
        monkeypatch.setenv(k, v)
    assert main(["run", "synthetic", "--out", str(tmp_path / "r"), "--num-nodes", "2"]) == 2
    err = capsys.readouterr().err
    assert "--devices 1 and --num-nodes 2 do not match the processes the launcher started" in err
    assert not (tmp_path / "r").exists()
