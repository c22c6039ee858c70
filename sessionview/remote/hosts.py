"""Which hosts to read, how to reach each one, and refusing a host name that could be an
option or shell syntax before `ssh` ever runs.

`ssh` gets the destination and every remote word as separate arguments. Its remote
side still joins the words with spaces and hands them to the login shell, so every
remote word is quoted with `shlex.quote`: a `--dir` with a space or a `;` in it stays
one argument there too.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

LOCAL = "local"
DEFAULT_COMMAND = ("sessionview",)
DEFAULT_SSH = ("ssh",)
CONNECT_TIMEOUT_S = 5
#: ssh's keepalive probe interval (a silent host is dropped after 3 unanswered: ~4 s,
#: within the connect timeout's order); one small packet a second costs nothing idle.
SERVER_ALIVE_S = 1
INSTALL_HINT = "uv tool install sessionview (or set [host.{name}] command in config.toml)"

# What an ssh destination (alias, user@host, [v6]:port, ssh://user@host:port) is made of.
# No whitespace, no quotes, no shell metacharacters, no control characters.
_DEST = re.compile(r"[A-Za-z0-9_.@:%+\-\[\]/]+")


class HostNameError(ValueError):
    """A host name refused before ssh runs (a usage error: exit 2)."""


@dataclass(frozen=True, slots=True)
class HostSpec:
    """One host as the user named it, and how to reach it."""

    #: The name exactly as the user wrote it (`devbox`, `user@ci-1`, `local`).
    name: str
    #: The ssh program and its options (`ssh` on PATH unless configured).
    ssh: tuple[str, ...] = DEFAULT_SSH
    #: Extra ssh options for this host (`[host.NAME] options = [...]`).
    options: tuple[str, ...] = ()
    #: The remote sessionview command, as words (`[host.NAME] command = "uvx sessionview"`).
    command: tuple[str, ...] = DEFAULT_COMMAND

    @property
    def is_local(self) -> bool:
        return self.name == LOCAL

    def ssh_argv(
        self,
        remote_words: Sequence[str],
        *,
        tty: bool = False,
        defaults: Sequence[str] | None = None,
    ) -> list[str]:
        """`ssh [options] -T [defaults] -- DEST <quoted words>`.

        `defaults` (BatchMode, ConnectTimeout, connection sharing; see `ssh_defaults`)
        come after the host's own options: ssh keeps the first value it is given for an
        option, so a configured `-o ConnectTimeout=20` wins over the default.
        """
        validate_dest(self.name)
        words = [*self.command, *remote_words]
        if defaults is None:
            defaults = ("-o", "BatchMode=yes", "-o", f"ConnectTimeout={CONNECT_TIMEOUT_S}")
        return [
            *self.ssh,
            *self.options,
            "-t" if tty else "-T",
            *defaults,
            "--",
            self.name,
            *(shlex.quote(w) for w in words),
        ]

    def install_hint(self) -> str:
        return INSTALL_HINT.format(name=self.name)


def validate_dest(name: str) -> str:
    """The name unchanged, or HostNameError naming it: it must not start with `-` (an ssh
    option) nor contain whitespace, quotes, shell metacharacters or control characters."""
    if not name:
        raise HostNameError("empty host name")
    if name.startswith("-") or not _DEST.fullmatch(name):
        from sessionview.render.safe import one_line

        raise HostNameError(
            f"{one_line(repr(name))}: not a host name ssh can be given safely "
            "(it must not start with '-' nor contain spaces, quotes or shell characters)"
        )
    return name


def host_specs(names: Sequence[str], config: object | None) -> list[HostSpec]:
    """The hosts to read, each validated, with its settings from config.toml; duplicates
    dropped (first one kept)."""
    ssh: tuple[str, ...] = DEFAULT_SSH
    settings: dict = {}
    if config is not None:
        ssh = tuple(shlex.split(getattr(config, "ssh", "") or "ssh")) or DEFAULT_SSH
        settings = getattr(config, "host_settings", {}) or {}
    specs: list[HostSpec] = []
    seen: set[str] = set()
    for name in names:
        if name in seen:
            continue
        seen.add(name)
        if name == LOCAL:
            specs.append(HostSpec(LOCAL))
            continue
        validate_dest(name)
        own = settings.get(name)
        command: tuple[str, ...] = DEFAULT_COMMAND
        options: tuple[str, ...] = ()
        if own is not None:
            if own.command:
                command = tuple(shlex.split(own.command)) or DEFAULT_COMMAND
            options = tuple(own.options)
        specs.append(HostSpec(name, ssh=ssh, options=options, command=command))
    return specs


def wanted_hosts(cli_hosts: Sequence[str] | None, config: object | None) -> list[str] | None:
    """`--host` replaces the configured set; configured hosts add to this machine; None when
    neither names a host (the plain local listing, without a `host` field)."""
    if cli_hosts:
        return list(cli_hosts)
    configured = tuple(getattr(config, "hosts", ()) or ()) if config is not None else ()
    if configured:
        return [LOCAL, *configured]
    return None


def ssh_defaults(spec: HostSpec) -> list[str]:
    """BatchMode, a 5 s connect timeout, a keepalive probe every second and a shared
    connection (ControlMaster, kept 60 s after the last use, so the next command skips
    the handshake), each only where the user's ssh config does not already decide it
    (read with `ssh -G`, which connects nowhere). The control socket lives in a private
    directory of ours."""
    validate_dest(spec.name)
    options = ["-o", "BatchMode=yes"]
    effective = _effective_config(spec)
    if effective.get("connecttimeout", "none") == "none":
        options += ["-o", f"ConnectTimeout={CONNECT_TIMEOUT_S}"]
    if effective.get("serveraliveinterval", "0") == "0":
        # A host that stops answering without closing anything (a network cut, a hung
        # machine) is noticed after ServerAliveCountMax (3) unanswered probes.
        options += ["-o", f"ServerAliveInterval={SERVER_ALIVE_S}"]
    if (
        effective
        and effective.get("controlmaster", "false") == "false"
        and effective.get("controlpath", "none") == "none"
    ):
        directory = _control_dir()
        if directory is not None:
            options += [
                "-o",
                "ControlMaster=auto",
                "-o",
                f"ControlPath={directory}/%C",
                "-o",
                "ControlPersist=60",
            ]
    return options


def _effective_config(spec: HostSpec) -> dict[str, str]:
    """`ssh -G`'s answer (lower-case keys), or {} when it cannot be read."""
    import subprocess

    try:
        done = subprocess.run(
            [*spec.ssh, *spec.options, "-G", "--", spec.name],
            capture_output=True,
            timeout=CONNECT_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    if done.returncode != 0:
        return {}
    effective: dict[str, str] = {}
    for line in done.stdout.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(" ")
        effective.setdefault(key.lower(), value.strip())
    return effective


def _control_dir() -> str | None:
    """A directory only this user can use, short enough for a socket path (the limit is
    ~104 bytes): `$XDG_RUNTIME_DIR/sessionview-ssh`, else `/tmp/sessionview-ssh-UID`.
    None when it exists but is not ours alone (then no connection sharing)."""
    import os
    import stat

    runtime = os.environ.get("XDG_RUNTIME_DIR")
    base = runtime if runtime and len(runtime) < 40 else "/tmp"
    path = os.path.join(base, f"sessionview-ssh-{os.getuid()}")
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError:
        return None
    try:
        st = os.lstat(path)
    except OSError:
        return None
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        return None
    return path
