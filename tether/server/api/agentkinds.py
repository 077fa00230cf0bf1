"""What the Cloud Assistant agent cannot do, refused by the API with a clear code before anything is sent to it.

That agent (tether/server/assist) runs a shell only as `ecs-assist-user` (which has sudo) or a named user, never
as root, cannot start a shell without privilege gain (no PR_SET_NO_NEW_PRIVS), takes no temporary SSH keys through
tether's mechanism and has no Windows password names (tether keeps none). Each of those is a 409 naming what to do
instead, never a session that silently runs differently from what was authorised.
"""

from __future__ import annotations

from tether.server.api.errors import ApiError
from tether.store import AGENT_CLOUD_ASSISTANT, Instance

UNSUPPORTED = "UnsupportedOperation.CloudAssistantAgent"


def is_cloud_assistant(instance: Instance) -> bool:
    return instance.agent_kind == AGENT_CLOUD_ASSISTANT


def require_shell_support(instance: Instance, *, login_user: str, no_new_privileges: bool) -> None:
    if not is_cloud_assistant(instance):
        return
    if no_new_privileges:
        raise ApiError(
            "UnsupportedOperation.NoNewPrivileges",
            f"You may open a shell on {instance.id} only without sudo, and its Cloud Assistant agent cannot start a "
            "shell without privilege gain; ask for a policy that allows ecs:Sudo, or install tether's agent there.",
            409,
        )
    if login_user == "root":
        raise ApiError(
            "InvalidUser.NotAllowed",
            f"The Cloud Assistant agent of {instance.id} does not open shells as root; use its default user "
            "ecs-assist-user (which has sudo) or another account.",
            409,
        )


def require_push_key_support(instance: Instance) -> None:
    if is_cloud_assistant(instance):
        raise ApiError(
            UNSUPPORTED,
            f"{instance.id} runs the Cloud Assistant agent, which cannot take temporary SSH keys through tether: "
            "open a shell with StartTerminalSession (`tether session`) or forward port 22 (`tether portforward`) "
            "and use your own key.",
            409,
        )
