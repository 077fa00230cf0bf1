"""SetAdministratorConsolePassword: the account root's console password (user name `root` at sign-in).

Only the root may set it, whatever a RAM user's policies say (`ram:*` on `*` does not reach it: the root's password
is not a RAM resource). Setting it signs out every console session of the root, on every node, and removes the
generated password from this node's admin-credentials.json, where it would otherwise mislead.
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import Field

from tether.auth.policy import Decision
from tether.server.api.actions import Action, Context
from tether.server.api.authz import forbidden
from tether.server.api.errors import ApiError
from tether.server.api.params import Params
from tether.server.bootstrap import (
    CONSOLE_PASSWORD_SETTING,
    CONSOLE_ROOT_NAME,
    CREDENTIALS_FILE,
    forget_console_password,
)
from tether.server.passwords import MAX_LENGTH, hash_password, password_problem
from tether.server.principals import root_arn
from tether.store import ConsoleSessionRepo

log = logging.getLogger(__name__)

ROOT_ONLY = "(root only)"  # the Decision.policy recorded when someone else asks


class SetAdministratorConsolePasswordParams(Params):
    Password: str = Field(max_length=MAX_LENGTH * 4)  # the password rule itself is checked below, with its message


async def set_administrator_console_password(ctx: Context, p: SetAdministratorConsolePasswordParams) -> dict[str, Any]:
    caller, state = ctx.caller(), ctx.state
    resource = root_arn(state.account_id)
    if not caller.is_root:
        ctx.audit.note_decision(resource, Decision(False, "Deny", ROOT_ONLY))
        raise forbidden("ram:SetAdministratorConsolePassword", resource)
    ctx.audit.resource = resource
    problem = password_problem(p.Password)
    if problem:
        raise ApiError("InvalidParameter.Password", f"The password {problem}.", 400)
    await state.settings.set(CONSOLE_PASSWORD_SETTING, await hash_password(p.Password))
    ended = await ConsoleSessionRepo(state.db).delete_for(CONSOLE_ROOT_NAME)
    forget_console_password(state.config.data_dir / CREDENTIALS_FILE)
    log.info("the account root's console password was changed; %d console sessions signed out", ended)
    return {}


ACTIONS = {
    "SetAdministratorConsolePassword": Action(SetAdministratorConsolePasswordParams, set_administrator_console_password)
}
