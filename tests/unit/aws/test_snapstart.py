"""The SnapStart hooks reach the runtime's snapshot_restore_py when there is one, and only then."""

from __future__ import annotations

import sys
import types

from bot.aws import snapstart


def test_without_the_runtimes_module_nothing_is_registered(monkeypatch):
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # import fails, as off Lambda
    assert snapstart.register(lambda: None, lambda: None) is False


def test_with_it_each_hook_is_registered_once(monkeypatch):
    module = types.ModuleType("snapshot_restore_py")
    module.before, module.after = [], []
    module.register_before_snapshot = module.before.append
    module.register_after_restore = module.after.append
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)

    def before() -> None: ...

    def after() -> None: ...

    assert snapstart.register(before, after) is True
    assert (module.before, module.after) == ([before], [after])


def test_only_snapstarts_init_type_counts_as_initialising_for_a_snapshot():
    assert snapstart.initialising_for_a_snapshot({"AWS_LAMBDA_INITIALIZATION_TYPE": "snap-start"})
    for other in ("on-demand", "provisioned-concurrency", ""):
        assert not snapstart.initialising_for_a_snapshot({"AWS_LAMBDA_INITIALIZATION_TYPE": other})
    assert not snapstart.initialising_for_a_snapshot({})
