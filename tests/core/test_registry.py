import pytest

from core.registry import DENOISE, TASKS, Param, get_method, methods_for


def test_param_kinds_and_coercion():
    assert Param("n", "N", 3, min=1, max=9).kind == "int"
    assert Param("w", "W", 0.1, min=0.0, max=1.0).coerce("2.5") == 1.0  # clamped
    assert Param("n", "N", 3, min=1, max=9).coerce(4.6) == 5
    assert Param("b", "B", False).coerce("true") is True
    choice = Param("mode", "Mode", "soft", choices=("soft", "hard"))
    assert choice.kind == "choice" and choice.coerce("hard") == "hard"
    with pytest.raises(ValueError, match="not one of"):
        choice.coerce("medium")
    with pytest.raises(ValueError, match="not a number"):
        Param("w", "W", 0.1, min=0.0, max=1.0).coerce("abc")
    with pytest.raises(ValueError, match="default"):
        Param("mode", "Mode", "x", choices=("a", "b"))


def test_sweep_values():
    assert Param("n", "N", 3, min=1, max=5).sweep_values(9) == [1, 2, 3, 4, 5]
    logs = Param("a", "A", 0.01, min=1e-4, max=1.0, log=True).sweep_values(5)
    assert logs == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert Param("m", "M", "a", choices=("a", "b")).sweep_values() == ["a", "b"]


@pytest.mark.parametrize("task", list(TASKS))
def test_every_task_has_well_formed_methods(task):
    methods = methods_for(task)
    # the restoration tasks compare many methods; every other task at least two (a comparison needs two)
    assert len(methods) >= (5 if task in ("denoise", "deblur") else 2)
    keys = [m.key for m in methods]
    assert len(keys) == len(set(keys))
    for m in methods:
        assert m.label and m.summary and m.explanation and m.latex and m.book, m.key
        for p in m.params:
            if p.kind in ("int", "float"):
                assert p.min is not None and p.max is not None and p.min <= p.default <= p.max, (m.key, p.name)
        assert get_method(task, m.key) is m


def test_unknown_method_and_param():
    with pytest.raises(KeyError, match="Unknown"):
        get_method(DENOISE, "does_not_exist")
    method = methods_for(DENOISE)[0]
    with pytest.raises(KeyError):
        method.resolve({"no_such_param": 1})
