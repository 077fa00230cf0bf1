"""The EXAMPLES section of the main commands' help, in one table.

One table rather than an epilog per command so that a test can parse every example line against the real command
(tests/cli/test_help.py): an example that names an option the command does not have fails the suite instead of
misleading a reader. `tether.cli.LazyGroup` attaches them when it loads a command.
"""

from __future__ import annotations

import click

__all__ = ["EXAMPLES", "attach_examples", "epilog"]

# command path under `tether` -> example lines, each a command as typed (lines not starting with `tether` or an
# environment assignment are shell around it, e.g. an ssh line using tether as its ProxyCommand)
EXAMPLES: dict[str, tuple[str, ...]] = {
    "session": (
        "tether session -i mi-0123456789abcdef0",
        "tether session -i web-1 --user deploy",
        "tether session -i role=db --command 'systemctl status postgresql'",
        "tether --profile prod session -i web-1",
    ),
    "sessions": (
        "tether sessions --since 2h",
        "tether sessions list --instance web-1 --state Connected",
        "tether sessions list --user alice --kind port_forward --json",
    ),
    "portforward": (
        "tether portforward -i web-1 --remote-port 80 --local-port 8080",
        "tether portforward -i role=db --remote-port 5432 --remote-host db.internal",
        "tether portforward -i mi-0123456789abcdef0 --remote-port 22 --json",
    ),
    "proxy": (
        "tether proxy -i web-1 --port 22",
        "ssh -o ProxyCommand='tether proxy -i %h --port %p' alice@web-1",
    ),
    "ssh": (
        "tether ssh alice@mi-0123456789abcdef0",
        "tether ssh deploy@web-1 uptime",
        "tether ssh -i ~/.ssh/id_ed25519 alice@role=db -L 5432:localhost:5432",
    ),
    "ssh-key push": ("tether ssh-key push -i web-1 --user alice --public-key ~/.ssh/id_ed25519.pub",),
    "instances": (
        "tether instances --status Online",
        "tether instances --tag env=prod --tag role=web",
        "tether instances --name 'web-*' --json",
    ),
    "activation": (
        "tether activation create --instance-name web --count 5 --ttl-hours 24",
        "tether activation list --json",
    ),
    "activation create": (
        "tether activation create --instance-name web --count 5 --ttl-hours 24",
        "tether activation create --description 'CI runners' --json",
    ),
    "configure": (
        "tether configure --from-file tether-data/admin-credentials.json",
        "tether configure --profile prod --server https://tether.example:8443",
        "tether --profile ci configure --mode CredentialsURI \\",
        "    --credentials-uri https://creds.internal/tether",
    ),
    "server": (
        "tether server --data-dir /var/lib/tether --listen 0.0.0.0:8443",
        "tether server --public-url https://tether.example --tls-san tether.example",
        "TETHER_DB_URL=postgresql://tether@db/tether tether server --node-id node-a",
    ),
    "agent register": (
        "export TETHER_ACTIVATION_CODE=CODE",
        "tether agent register --server https://tether.example --activation-id ID",
        "tether agent register --server https://10.0.0.5:8443 --ca-cert ca.pem \\",
        "    --activation-id ID --force",
    ),
    "tag": ("tether tag add web-1 env=prod role=web", "tether tag list role=web"),
    "completion": ("tether completion bash",),
}


def epilog(lines: tuple[str, ...]) -> str:
    """The help section: `\\b` keeps click from rewrapping the lines into one paragraph."""
    return "\b\nExamples:\n" + "".join(f"  {line}\n" for line in lines)


def attach_examples(name: str, command: click.Command) -> None:
    """Give `command` (the top-level command `name`) and its subcommands their EXAMPLES, unless they have an
    epilog of their own."""
    for path, lines in EXAMPLES.items():
        head, _, tail = path.partition(" ")
        if head != name:
            continue
        target: click.Command | None = command
        if tail:
            target = command.commands.get(tail) if isinstance(command, click.Group) else None
        if target is not None and not target.epilog:
            target.epilog = epilog(lines)
