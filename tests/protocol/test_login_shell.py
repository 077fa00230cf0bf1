"""The login-shell header an agent sends on a shell's data channel: only a plausible path is taken."""

from __future__ import annotations

import pytest

from tether.protocol import login_shell


@pytest.mark.parametrize("value", ["/bin/bash", "/usr/bin/zsh", "/usr/local/bin/fish"])
def test_absolute_paths_are_taken(value: str) -> None:
    assert login_shell(value) == value


@pytest.mark.parametrize("value", [None, "", "bash", "/bin/ba sh", "/bin/bash\n", "/bin/\x1b[31m", "/" + "x" * 256])
def test_anything_else_is_ignored(value: str | None) -> None:
    assert login_shell(value) is None
