"""Writing never harms what is there: regular files atomically (keeping their mode),
through symlinks, devices and FIFOs as streams, unwritable files refused."""

from __future__ import annotations

import os
import shlex
import signal
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import lrplot

CSV = lrplot.simulate("cosine:t_max=5", epochs=10).to_csv()
ROOT = Path(__file__).resolve().parent.parent


def lrplot_process(*args: str, cwd: Path, **kwargs) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "lrplot", *args], cwd=cwd, env=env, text=True,
        capture_output=kwargs.pop("capture_output", True), **kwargs,
    )  # fmt: skip


def test_regular_file_is_replaced_keeping_its_mode(cli):
    target = cli.folder / "out.csv"
    target.write_text("old\n")
    target.chmod(0o600)
    cli.ok("cosine", "--t-max", "5", "--epochs", "10", "--csv", "out.csv")
    assert target.read_text() == CSV
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert cli.files() == {"out.csv"}


def test_new_file_gets_the_umask_mode(cli):
    cli.ok("cosine", "--t-max", "5", "--epochs", "10", "--csv", "new.csv")
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE((cli.folder / "new.csv").stat().st_mode) == 0o666 & ~mask


def test_symlink_target_is_written_and_the_link_stays(cli):
    (cli.folder / "real").mkdir()
    (cli.folder / "real" / "data.csv").write_text("old\n")
    (cli.folder / "link.csv").symlink_to("real/data.csv")
    (cli.folder / "dangling.png").symlink_to("real/new.png")
    cli.ok("cosine", "--t-max", "5", "--epochs", "10", "--csv", "link.csv")
    assert (cli.folder / "link.csv").is_symlink()
    assert (cli.folder / "real" / "data.csv").read_text() == CSV
    cli.ok("cosine", "--t-max", "5", "-o", "dangling.png")
    assert (cli.folder / "dangling.png").is_symlink()
    assert (cli.folder / "real" / "new.png").read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in (cli.folder / "real").iterdir()) == ["data.csv", "new.png"]


def test_dev_null_stays_a_device(cli):
    cli.ok("cosine", "--t-max", "5", "--csv", "/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="this system has no /dev/full")
def test_a_full_device_is_an_error_and_stays_a_device(cli):
    line = cli.fail("cosine", "--t-max", "5", "--csv", "/dev/full")
    assert (
        line == "Error: invalid value for --csv: /dev/full: cannot write: No space left on device"
    )
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)
    line = cli.fail("cosine", "--t-max", "5", "-o", "/dev/full")
    assert "unknown extension" in line  # a chart needs its format from the name


def test_fifo_is_streamed_to_its_reader(cli):
    fifo = cli.folder / "pipe.csv"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    cli.ok("cosine", "--t-max", "5", "--epochs", "10", "--csv", str(fifo))
    reader.join(timeout=30)
    assert got == [CSV.encode()]
    assert stat.S_ISFIFO(fifo.stat().st_mode)  # still a FIFO, not a regular file
    assert cli.files() == {"pipe.csv"}


def test_chart_to_a_fifo(cli):
    fifo = cli.folder / "chart.svg"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    cli.ok("cosine", "--t-max", "5", "-o", str(fifo))
    reader.join(timeout=30)
    assert got and got[0].startswith(b"<?xml") and b"</svg>" in got[0]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_dev_stdout_redirected_to_a_file_is_written_in_place(tmp_path):
    out = tmp_path / "out.txt"
    with out.open("w") as f:
        done = lrplot_process(
            "cosine", "--t-max", "5", "--epochs", "10", "--csv", "/dev/stdout", "-q",
            cwd=tmp_path, stdout=f, stderr=subprocess.PIPE, capture_output=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr
    inode = out.stat().st_ino
    assert out.read_text() == CSV
    assert out.stat().st_ino == inode
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_process_substitution_is_a_pipe(tmp_path):
    """``--csv >(wc -l)``: /dev/fd/N is a pipe, written as a stream."""
    script = (
        f'lrplot() {{ {shlex.quote(sys.executable)} -m lrplot "$@"; }}; lrplot cosine '
        "--t-max 5 --epochs 10 --csv >(wc -l > count.txt); wait"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for _ in range(100):  # the reader may finish after bash
        if (tmp_path / "count.txt").exists() and (tmp_path / "count.txt").read_text().strip():
            break
        threading.Event().wait(0.05)
    assert (tmp_path / "count.txt").read_text().strip() == "11"


def test_a_read_only_file_is_refused_like_the_shell(cli, monkeypatch):
    """As a normal user, a 0444 file is not replaced (the shell's > says Permission
    denied). Root may write any file, as the shell lets root; so as root the kernel's
    answer for the file's owner is played: its owner-write bit."""
    target = cli.folder / "ro.csv"
    target.write_text("keep\n")
    target.chmod(0o444)
    if os.geteuid() == 0:
        from lrplot.render import output

        real_access = os.access

        def owner_access(path, mode):
            if mode == os.W_OK and Path(path).is_file():
                return bool(os.stat(path).st_mode & stat.S_IWUSR)
            return real_access(path, mode)

        monkeypatch.setattr(output.os, "access", owner_access)
    line = cli.fail("cosine", "--t-max", "5", "--csv", "ro.csv")
    assert line == "Error: invalid value for --csv: ro.csv: Permission denied"
    line = cli.fail("cosine", "--t-max", "5", "-o", "ro.csv.png", "--csv", "ro.csv")
    assert target.read_text() == "keep\n"
    assert cli.files() == {"ro.csv"}  # no chart written either: refused before any work


def test_api_writes_safely_too(tmp_path):
    target = tmp_path / "data.csv"
    target.write_text("old\n")
    target.chmod(0o640)
    (tmp_path / "link.csv").symlink_to(target)
    lrplot.simulate("cosine:t_max=5", epochs=10).to_csv(tmp_path / "link.csv")
    assert target.read_text() == CSV and (tmp_path / "link.csv").is_symlink()
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    with pytest.raises(lrplot.LrplotError, match=r"^csv: .*: is a directory$"):
        lrplot.simulate("cosine:t_max=5").to_csv(tmp_path)


@pytest.mark.parametrize(
    "args",
    [
        ["cosine", "--t-max", "50", "--epochs", "1000000", "--csv", "-"],
        ["compare", "cosine:t_max=50", "step:step_size=9", "--epochs", "400000", "--csv", "-"],
    ],
)
def test_a_closed_pipe_ends_quietly_like_unix_tools(tmp_path, args):
    """``lrplot ... | head -1``: no message, the exit status of SIGPIPE (141), as seq,
    yes or git give."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    script = f"set -o pipefail; {shlex.quote(sys.executable)} -m lrplot " + " ".join(args)
    script += " | head -1; "
    script += 'echo "status ${PIPESTATUS[0]}" >&2'
    done = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                          text=True)  # fmt: skip
    assert done.stderr == "status 141\n"
    assert len(done.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    "args",
    [
        ["--help"],
        ["--version"],
        ["cosine", "--help"],
        ["explain", "cosine"],
        ["list", "--all"],
        ["check", "cosine", "--t-max", "5", "--epochs", "30"],
        ["cosine", "--t-max", "5", "--epochs", "10"],
    ],
    ids=" ".join,
)
def test_a_pipe_closed_before_anything_is_written_ends_quietly_too(tmp_path, args):
    """Whoever prints (rich, click's help, the table), a closed pipe is status 141 and
    no message (rich's own answer would be exit 1, click's too)."""
    read, write = os.pipe()
    os.close(read)
    with os.fdopen(write, "w") as closed:
        done = lrplot_process(*args, cwd=tmp_path, stdout=closed, stderr=subprocess.PIPE,
                              capture_output=False)  # fmt: skip
    assert (done.returncode, done.stderr) == (141, "")


def test_ctrl_c_while_the_reader_stalls_stops_at_once_in_one_line(tmp_path):
    """A CSV to a pipe nobody reads (``--csv - | less``, then Ctrl-C): the command stops
    at once, one line, exit 130; the pipe is not written to the end first."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    args = ["cosine", "--t-max", "50", "--epochs", "20000", "--steps-per-epoch", "1000",
            "--interval", "step", "--csv", "-"]  # fmt: skip
    proc = subprocess.Popen(
        [sys.executable, "-m", "lrplot", *args], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(1 << 16)  # it has started writing; from now on nobody reads
    proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(timeout=60)  # a guard against a hang, not a timing
    finally:
        proc.kill()
    assert code == 130
    assert proc.stderr.read() == b"Error: interrupted\n"
    proc.stdout.close()
    proc.stderr.close()


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="this system has no /dev/full")
@pytest.mark.parametrize("args", [["--csv", "-"], ["--no-chart"]])
def test_standard_output_on_a_full_disk_is_one_line(tmp_path, args):
    with open("/dev/full", "w") as full:
        done = lrplot_process("cosine", "--t-max", "5", *args, cwd=tmp_path, stdout=full,
                              stderr=subprocess.PIPE, capture_output=False)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr == "Error: cannot write standard output: No space left on device\n"
