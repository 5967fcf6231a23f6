"""A local Neo4j 5.26 Community server: resolved from Maven Central, run as a background JVM.

The jars come from ``deploy/neo4j/pom.xml`` through the machine's Maven and are cached in
``settings.lib_dir`` (outside the repository); configuration, data and logs live in
``settings.home``. Any other Neo4j 5 is used the same way by pointing ``TAGGRAPH_NEO4J_URI`` at it.
"""

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from taggraph.errors import ServerError
from taggraph.settings import Neo4jSettings

_ENTRY_POINT = "org.neo4j.server.CommunityEntryPoint"
_ADMIN_ENTRY_POINT = "org.neo4j.server.startup.Neo4jAdminCommand"
_ADD_OPENS = [
    f"--add-opens=java.base/{package}=ALL-UNNAMED"
    for package in (
        "java.lang",
        "java.nio",
        "java.io",
        "sun.nio.ch",
        "java.util",
        "java.util.concurrent",
        "java.net",
        "java.lang.invoke",
        "jdk.internal.misc",
    )
]
_COMPLETE_MARKER = ".taggraph-complete"
_QUICK_BOLT_SHUTDOWN = (
    "internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
    "internal.dbms.bolt.netty_server_shutdown_timeout=2",
    "internal.server.bolt.thread_pool_shutdown_wait_time=0s",
)
"""Bolt stops without its idle waits (5 s for the worker pool, 5 s of network quiet period), which
took 10 of a stop's 10.3 s; it stops after the databases, which have checkpointed by then."""


@dataclass(frozen=True)
class ServerStatus:
    """What the local server is doing, as observed (not as remembered)."""

    running: bool
    pid: int | None
    version: str | None
    bolt_answers: bool
    bolt: str
    http: str
    home: Path

    def describe(self) -> str:
        """One human-readable line per fact."""
        state = "running" if self.running else "stopped"
        lines = [
            f"state:   {state}" + (f" (pid {self.pid})" if self.pid else ""),
            f"version: {self.version or 'unknown'}",
            f"bolt:    {self.bolt} ({'answers' if self.bolt_answers else 'no answer'})",
            f"browser: {self.http}/browser/",
            f"home:    {self.home}",
        ]
        return "\n".join(lines)


def default_pom() -> Path:
    """The pom shipped under ``deploy/neo4j/`` of the repository."""
    return Path(__file__).resolve().parents[2] / "deploy" / "neo4j" / "pom.xml"


def is_installed(settings: Neo4jSettings) -> bool:
    """Whether the jars are resolved and the home is configured."""
    return (settings.lib_dir / _COMPLETE_MARKER).is_file() and _conf_file(settings).is_file()


def install(settings: Neo4jSettings, pom: Path | None = None) -> None:
    """Resolve the server's jars (once) and write its configuration and initial password.

    Args:
        settings: Server settings: versions, directories, ports, password.
        pom: The Maven project to resolve; defaults to ``deploy/neo4j/pom.xml``.

    Raises:
        ServerError: If Maven or Java is missing, resolution fails or the home is not writable.

    """
    _resolve_jars(settings, pom or default_pom())
    write_config(settings)
    _set_initial_password(settings)


def _resolve_jars(settings: Neo4jSettings, pom: Path) -> None:
    if (settings.lib_dir / _COMPLETE_MARKER).is_file():
        return
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ServerError("Maven (mvn) is not on PATH; it is needed once to resolve the Neo4j jars")
    if not pom.is_file():
        raise ServerError(f"the Neo4j pom is missing: {pom}")
    staging = settings.lib_dir.with_name(settings.lib_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    command = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(pom),
        f"-Dneo4j.version={settings.version}",
        f"-Dneo4j.browser.version={settings.browser_version}",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={staging}",
    ]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
        raise ServerError("Maven could not resolve Neo4j: " + " | ".join(tail))
    (staging / _COMPLETE_MARKER).write_text(settings.version + "\n", encoding="utf-8")
    shutil.rmtree(settings.lib_dir, ignore_errors=True)
    staging.rename(settings.lib_dir)


def _conf_file(settings: Neo4jSettings) -> Path:
    return settings.home / "conf" / "neo4j.conf"


def write_config(settings: Neo4jSettings) -> Path:
    """Write ``neo4j.conf`` for the local server from the settings.

    Args:
        settings: Server settings.

    Returns:
        The path of the written file.

    """
    home = settings.home
    for folder in ("conf", "data", "logs", "plugins", "run", "import"):
        (home / folder).mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by `taggraph neo4j install`; edit the TAGGRAPH_NEO4J_* settings instead.",
        f"server.default_listen_address={settings.listen_address}",
        f"server.default_advertised_address={settings.listen_address}",
        "server.bolt.enabled=true",
        f"server.bolt.listen_address=:{settings.bolt_port}",
        "server.http.enabled=true",
        f"server.http.listen_address=:{settings.http_port}",
        "server.https.enabled=false",
        "dbms.security.auth_enabled=true",
        f"server.directories.data={home / 'data'}",
        f"server.directories.logs={home / 'logs'}",
        f"server.directories.plugins={home / 'plugins'}",
        f"server.directories.run={home / 'run'}",
        f"server.directories.import={home / 'import'}",
        f"server.memory.pagecache.size={settings.pagecache}",
        "db.tx_log.rotation.retention_policy=2 files",
        "dbms.usage_report.enabled=false",
        *_QUICK_BOLT_SHUTDOWN,
    ]
    path = _conf_file(settings)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _java() -> str:
    java = shutil.which("java")
    if java is None:
        raise ServerError("Java 17 or newer is needed to run Neo4j; `java` is not on PATH")
    return java


def _environment(settings: Neo4jSettings) -> dict[str, str]:
    return {
        **os.environ,
        "NEO4J_HOME": str(settings.home),
        "NEO4J_CONF": str(settings.home / "conf"),
    }


def _set_initial_password(settings: Neo4jSettings) -> None:
    if (settings.home / "data" / "dbms" / "auth.ini").exists() or _has_databases(settings):
        return
    password = settings.password.get_secret_value()
    if len(password) < 8:
        raise ServerError("TAGGRAPH_NEO4J_PASSWORD must have at least 8 characters for Neo4j 5")
    result = admin(settings, "dbms", "set-initial-password", password)
    if result.returncode != 0:
        raise ServerError("could not set the initial password: " + result.stderr.strip()[-300:])


def admin(settings: Neo4jSettings, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run ``neo4j-admin`` from the local server's jars on its home, with the server's heap.

    Args:
        settings: The local server.
        *arguments: The command, such as ``dbms set-initial-password PASSWORD``.

    Returns:
        The finished process with its output.

    """
    command = [
        _java(),
        f"-Xmx{settings.heap}",
        "-cp",
        f"{settings.lib_dir}/*",
        f"-Dneo4j.home={settings.home}",
        _ADMIN_ENTRY_POINT,
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, env=_environment(settings), check=False)


def _has_databases(settings: Neo4jSettings) -> bool:
    return (settings.home / "data" / "databases" / "neo4j").exists()


def _pid_file(settings: Neo4jSettings) -> Path:
    return settings.home / "run" / "taggraph-neo4j.pid"


def _live_pid(settings: Neo4jSettings) -> int | None:
    """The pid of this home's server if such a process is alive, else None."""
    path = _pid_file(settings)
    try:
        pid = int(path.read_text(encoding="utf-8").strip())
    except (FileNotFoundError, ValueError):
        return None
    try:
        process = psutil.Process(pid)
        command = process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return None
    if process.status() == psutil.STATUS_ZOMBIE:
        return None
    if _ENTRY_POINT in command and f"--home-dir={settings.home}" in command:
        return pid
    return None


def _bolt_answers(settings: Neo4jSettings) -> tuple[bool, str | None]:
    """Whether Bolt accepts our credentials, and the server version it reports."""
    auth = (settings.user, settings.password.get_secret_value())
    uri = f"bolt://{settings.listen_address}:{settings.bolt_port}"
    try:
        with GraphDatabase.driver(uri, auth=auth, connection_timeout=2.0) as driver:
            info = driver.get_server_info()
            return True, info.agent.split("/", 1)[-1]
    except (ServiceUnavailable, AuthError, OSError):
        return False, None


def _port_in_use(address: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((address, port)) == 0


def status(settings: Neo4jSettings) -> ServerStatus:
    """Observe the local server: its process and whether Bolt answers.

    Args:
        settings: Server settings.

    Returns:
        The observed status.

    """
    pid = _live_pid(settings)
    answers, version = _bolt_answers(settings) if pid else (False, None)
    return ServerStatus(
        running=pid is not None,
        pid=pid,
        version=version or (settings.version if pid else None),
        bolt_answers=answers,
        bolt=f"bolt://{settings.listen_address}:{settings.bolt_port}",
        http=f"http://{settings.listen_address}:{settings.http_port}",
        home=settings.home,
    )


def start(settings: Neo4jSettings) -> ServerStatus:
    """Start the server in the background and wait until Bolt answers; harmless if running.

    Args:
        settings: Server settings.

    Returns:
        The status once Bolt answers.

    Raises:
        ServerError: If it is not installed, a port is taken by another process, the JVM
            exits early or Bolt does not answer within ``start_timeout_s``.

    """
    if not is_installed(settings):
        raise ServerError(f"Neo4j is not installed in {settings.home}; run `taggraph neo4j install`")
    current = status(settings)
    if current.running:
        return _wait_for_bolt(settings, current.pid, None)
    for port in (settings.bolt_port, settings.http_port):
        if _port_in_use(settings.listen_address, port):
            raise ServerError(
                f"port {settings.listen_address}:{port} is taken by another process; "
                "stop it or set TAGGRAPH_NEO4J_BOLT_PORT / TAGGRAPH_NEO4J_HTTP_PORT"
            )
    write_config(settings)
    command = [
        _java(),
        "-Xms512m",
        f"-Xmx{settings.heap}",
        "-XX:+UseG1GC",
        *_ADD_OPENS,
        "-cp",
        f"{settings.lib_dir}/*",
        f"-Dneo4j.home={settings.home}",
        _ENTRY_POINT,
        f"--home-dir={settings.home}",
        f"--config-dir={settings.home / 'conf'}",
    ]
    log_path = settings.home / "logs" / "console.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=_environment(settings),
            start_new_session=True,
        )
    _pid_file(settings).write_text(f"{process.pid}\n", encoding="utf-8")
    return _wait_for_bolt(settings, process.pid, process)


def _wait_for_bolt(
    settings: Neo4jSettings, pid: int | None, process: subprocess.Popen[bytes] | None
) -> ServerStatus:
    deadline = time.monotonic() + settings.start_timeout_s
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise ServerError(
                f"Neo4j exited with code {process.returncode} while starting: " + _log_tail(settings)
            )
        answers, _ = _bolt_answers(settings)
        if answers:
            return status(settings)
        time.sleep(0.5)
    raise ServerError(
        f"Neo4j (pid {pid}) did not answer on Bolt within {settings.start_timeout_s:.0f} s: "
        + _log_tail(settings)
    )


def _log_tail(settings: Neo4jSettings) -> str:
    log_path = settings.home / "logs" / "console.log"
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
    except FileNotFoundError:
        return "no console log"
    return " | ".join(lines[-3:]) + f" (see {log_path})"


def stop(settings: Neo4jSettings, timeout_s: float = 90.0) -> bool:
    """Stop the server with SIGTERM and wait for the process to exit.

    Args:
        settings: Server settings.
        timeout_s: Seconds to wait before killing the process.

    Returns:
        True if a running server was stopped, False if none was running.

    """
    pid = _live_pid(settings)
    if pid is None:
        _pid_file(settings).unlink(missing_ok=True)
        return False
    process = psutil.Process(pid)
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=timeout_s)
    except psutil.TimeoutExpired:
        process.kill()
        process.wait(timeout=30)
    _pid_file(settings).unlink(missing_ok=True)
    return True
